module github.com/cckm-mock/cckmmock

go 1.19
