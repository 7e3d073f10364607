#!/bin/bash -eu
# Builds kvsim's native Go fuzz targets (the ones 'go test -fuzz' runs) as
# libFuzzer binaries for ClusterFuzzLite or OSS-Fuzz:
#   FuzzWorld     ./sim        the scheduler and network, steered by fuzzer bytes
#   FuzzScenario  ./scenarios  whole scenarios with every check, steered the same way
#   FuzzFastAgreesWithPorcupine  ./models  the fast checker against porcupine on generated histories
# This runs in a throwaway build container, so it may edit the checkout.

# compile_native_go_fuzzer rewrites each target onto go-118-fuzz-build's
# testing package, which must be in go.mod.
go get github.com/AdamKorcz/go-118-fuzz-build/testing

# prepare DIR TARGET readies a package for compile_native_go_fuzzer:
# - it finds the target's file by grepping the package for the target's
#   name, so other files (doc comments) must not mention it;
# - go-118-fuzz-build compiles only non-test files, but targets use helpers
#   from the package's other _test.go files: rename those into the build.
#   External test packages (package x_test) cannot join it and stay out.
prepare() {
	local dir=$1 target=$2 f
	for f in "$dir"/*.go; do
		grep -q "func $target(" "$f" && continue
		sed -i "s/$target/the fuzz target/g" "$f"
		case $f in
		*_test.go)
			grep -q '^package [a-z0-9]*_test$' "$f" || mv "$f" "${f%_test.go}_helpers_fuzz.go"
			;;
		esac
	done
}

prepare sim FuzzWorld
compile_native_go_fuzzer github.com/kvsim/kvsim/sim FuzzWorld fuzz_world

prepare scenarios FuzzScenario
compile_native_go_fuzzer github.com/kvsim/kvsim/scenarios FuzzScenario fuzz_scenario

prepare models FuzzFastAgreesWithPorcupine
compile_native_go_fuzzer github.com/kvsim/kvsim/models FuzzFastAgreesWithPorcupine fuzz_checker
