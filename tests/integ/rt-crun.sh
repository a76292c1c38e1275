#!/usr/bin/env bash
# The crun driver end to end (see tests/integ/rt-lib.bash): a study
# against native, the memory limit, and no leftovers after a normal run
# and after SIGKILL + hpcvirt clean. Skips (77) where crun is missing.
set -u
. tests/integ/rt-lib.bash
rt_test crun
