//go:build !wasip1

package main

import "os"

// lookupEnv returns the value of the environment variable key (natively: the
// process environment, as in the filter's native tests).
func lookupEnv(key string) (string, bool) { return os.LookupEnv(key) }
