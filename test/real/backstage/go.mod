// This directory is a Node.js project (the real Backstage backend). Some npm
// packages ship Go sources under node_modules; this file makes the directory
// a module of its own, so that ./... in coderhost's module leaves them out.
module realbackstage

go 1.26
