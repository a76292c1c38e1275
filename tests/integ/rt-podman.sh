#!/usr/bin/env bash
# The podman driver end to end (see tests/integ/rt-lib.bash): a study
# against native, the memory limit, and no leftovers after a normal run
# and after SIGKILL + hpcvirt clean. Skips (77) where podman is missing.
set -u
. tests/integ/rt-lib.bash
rt_test podman
