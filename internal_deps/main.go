package main

import (
	_ "github.com/dop251/goja"
	_ "github.com/gorilla/mux"
	_ "github.com/hashicorp/go-hclog"
	_ "github.com/hashicorp/go-plugin"
	_ "github.com/hashicorp/hcl/v2"
	_ "github.com/hashicorp/hcl/v2/gohcl"
	_ "github.com/hashicorp/hcl/v2/hcldec"
	_ "github.com/hashicorp/hcl/v2/hclparse"
	_ "github.com/hashicorp/hcl/v2/hclsyntax"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/prometheus/client_golang/prometheus/testutil"
	_ "github.com/zclconf/go-cty/cty"
	_ "github.com/zclconf/go-cty/cty/json"
	_ "github.com/zclconf/go-cty/cty/function"
	_ "github.com/zclconf/go-cty/cty/gocty"
	_ "golang.org/x/oauth2"
	_ "google.golang.org/grpc"
	_ "google.golang.org/grpc/status"
	_ "google.golang.org/grpc/codes"
	_ "google.golang.org/protobuf/proto"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "gopkg.in/yaml.v3"
)

func main() {}
