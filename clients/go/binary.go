package cckmmock

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Environment variables the kit reads, as the Python kit does.
const (
	BinaryVariable     = "CCKM_MOCK_BIN"
	URLVariable        = "CCKM_MOCK_URL"
	AdminTokenVariable = "CCKM_MOCK_ADMIN_TOKEN"
)

// BinaryNotFoundError lists every place FindBinary looked, and the line that fixes it.
type BinaryNotFoundError struct {
	LookedAt []string
}

// Fix is the one line that makes FindBinary succeed.
const Fix = "export CCKM_MOCK_BIN=/path/to/cckm-mock/.build/release/cckm-mock (after swift build -c release in that clone)"

func (e *BinaryNotFoundError) Error() string {
	return "cckm-mock not found; looked at: " + strings.Join(e.LookedAt, "; ") + ". Fix: " + Fix
}

// FindBinary returns the cckm-mock executable: explicit (when not empty), else $CCKM_MOCK_BIN,
// else the nearest clone's build (.build/release/cckm-mock, then .build/debug/cckm-mock, in the
// working directory or the first folder above it that has one), else the clone this kit's
// source is in, else cckm-mock on PATH.
func FindBinary(explicit string) (string, error) {
	var lookedAt []string
	if explicit != "" {
		if isExecutable(explicit) {
			return filepath.Abs(explicit)
		}
		lookedAt = append(lookedAt, fmt.Sprintf("%q (not an executable file)", explicit))
	}
	if variable := os.Getenv(BinaryVariable); variable != "" {
		if isExecutable(variable) {
			return filepath.Abs(variable)
		}
		lookedAt = append(lookedAt, fmt.Sprintf("$%s=%s (not an executable file)", BinaryVariable, variable))
	} else {
		lookedAt = append(lookedAt, "$"+BinaryVariable+" (not set)")
	}
	var starts []string
	if directory, err := os.Getwd(); err == nil {
		starts = append(starts, directory)
	}
	// This file is clients/go/binary.go in a clone: the clone is two folders up.
	if _, source, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(filepath.Dir(filepath.Dir(source))))
	}
	for _, start := range starts {
		if found := nearestBuild(start); found != "" {
			return found, nil
		}
		lookedAt = append(lookedAt, ".build/release/cckm-mock and .build/debug/cckm-mock in "+start+" and every folder above it (none)")
	}
	if onPath, err := exec.LookPath("cckm-mock"); err == nil {
		return onPath, nil
	}
	lookedAt = append(lookedAt, "cckm-mock on PATH (none)")
	return "", &BinaryNotFoundError{LookedAt: lookedAt}
}

// nearestBuild is the first .build/release/cckm-mock (then .build/debug/cckm-mock) in start or a
// folder above it; "" if none.
func nearestBuild(start string) string {
	for folder := start; ; folder = filepath.Dir(folder) {
		for _, build := range []string{"release", "debug"} {
			candidate := filepath.Join(folder, ".build", build, "cckm-mock")
			if isExecutable(candidate) {
				return candidate
			}
		}
		if parent := filepath.Dir(folder); parent == folder {
			return ""
		}
	}
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}
