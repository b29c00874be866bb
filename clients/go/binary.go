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

// BinaryNotFoundError lists every place FindBinary looked.
type BinaryNotFoundError struct {
	LookedAt []string
}

func (e *BinaryNotFoundError) Error() string {
	return "cckm-mock not found; looked at: " + strings.Join(e.LookedAt, "; ")
}

// FindBinary returns the cckm-mock executable: explicit (when not empty), else $CCKM_MOCK_BIN,
// else cckm-mock on PATH, else this repository's release build, then its debug build.
func FindBinary(explicit string) (string, error) {
	var lookedAt []string
	executable := func(path string) bool {
		info, err := os.Stat(path)
		return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
	}
	if explicit != "" {
		if executable(explicit) {
			return filepath.Abs(explicit)
		}
		lookedAt = append(lookedAt, fmt.Sprintf("%q (not an executable file)", explicit))
	}
	if variable := os.Getenv(BinaryVariable); variable != "" {
		if executable(variable) {
			return filepath.Abs(variable)
		}
		lookedAt = append(lookedAt, fmt.Sprintf("$%s=%s (not an executable file)", BinaryVariable, variable))
	} else {
		lookedAt = append(lookedAt, "$"+BinaryVariable+" (not set)")
	}
	if onPath, err := exec.LookPath("cckm-mock"); err == nil {
		return onPath, nil
	}
	lookedAt = append(lookedAt, "cckm-mock on PATH (none)")
	// This file is clients/go/binary.go in the repository: its builds are two folders up.
	if _, source, _, ok := runtime.Caller(0); ok {
		repository := filepath.Dir(filepath.Dir(filepath.Dir(source)))
		for _, build := range []string{"release", "debug"} {
			candidate := filepath.Join(repository, ".build", build, "cckm-mock")
			if executable(candidate) {
				return candidate, nil
			}
			lookedAt = append(lookedAt, candidate+" (none)")
		}
	}
	return "", &BinaryNotFoundError{LookedAt: lookedAt}
}
