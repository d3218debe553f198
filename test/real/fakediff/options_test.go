package fakediff

import (
	"github.com/coderhost/coderhost/sdk/fakecoder"
	"github.com/coderhost/coderhost/test/real/realseed"
)

func fakeOptions() []fakecoder.Option {
	return []fakecoder.Option{fakecoder.WithSeed(realseed.Seed())}
}
