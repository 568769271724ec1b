# The Lambda build, included by each function's Makefile. `sam build` (BuildMethod: makefile,
# build in source: samconfig.toml) runs `make build-<LogicalId>` in the function's folder with
# ARTIFACTS_DIR set. The first target builds every function in one cargo-lambda pass (release,
# arm64: what the template's Globals say), so the workspace's dependencies compile once with
# their features unified; the later targets find it done in a second or two. Each copies its
# own bootstrap.
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
# Every function is a folder of functions/ with a Makefile (the crate and its binary share the name).
FUNCTIONS := $(notdir $(patsubst %/Makefile,%,$(wildcard $(ROOT)/functions/*/Makefile)))
FUNCTION := $(notdir $(CURDIR))

build-%:
	cd $(ROOT) && cargo lambda build --release --arm64 $(addprefix -p ,$(FUNCTIONS))
	cp $(ROOT)/target/lambda/$(FUNCTION)/bootstrap $(ARTIFACTS_DIR)/bootstrap
