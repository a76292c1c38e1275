/*
 * ktest-npb-verify.c - unit tests of the NPB verification helpers
 * (src/kernels/npb/npb-common.c) and of the table generated from
 * verify.tsv (npb-verify-data.c): known reference values are found,
 * absent ones are not, relative errors are compared with the official
 * tolerances, and a NaN or an empty check list never verifies. The two
 * sources are compiled into this test directly, as the ktest rule links
 * only the kernel runtime.
 */
#include <errno.h>
#include <math.h>

#include "tap.h"

#include "../../src/kernels/npb/npb-common.c"
#include "../../src/kernels/npb/npb-verify-data.c"

static void
test_lookup(void)
{
	double v = 0, eps = 0;

	ok(hv_npb_ref_get("CG", 'A', "zeta", 0, &v, &eps) == 0 &&
		   v == 17.130235054029 && eps == 1.0e-10,
	   "CG A zeta and its tolerance");
	ok(hv_npb_ref_get("MG", 'B', "rnm2", 0, &v, &eps) == 0 &&
		   v == 0.1800564401355e-05 && eps == 1.0e-8,
	   "MG B rnm2");
	ok(hv_npb_ref_get("FT", 'C', "checksum_im", 20, &v, &eps) == 0 &&
		   v == 5.123465164008e+02 && eps == 1.0e-12,
	   "FT C checksum 20 (imaginary part)");
	ok(hv_npb_ref_get("IS", 'W', "test_index", 2, &v, NULL) == 0 &&
		   v == 875723,
	   "IS W test index 2");
	ok(hv_npb_ref_get("IS", 'A', "adjust_off", 3, &v, NULL) == 0 && v == -1,
	   "IS A rank adjustment -(it-1) gives offset -1");
	ok(hv_npb_ref_get("CG", 'Q', "zeta", 0, &v, NULL) == -ENOENT,
	   "unknown class is not found");
	ok(hv_npb_ref_get("BT", 'A', "xcr", 1, &v, NULL) == 0 &&
		   v == 1.0806346714637264e+02,
	   "BT A xcr 1 is the official value");
}

static void
test_checks(void)
{
	struct hv_npb_result r = {0};
	double ref = 17.130235054029;

	ok(!hv_npb_verified(&r), "no checks: not verified");
	hv_npb_check_real(&r, "CG", 'A', "zeta", 0, ref * (1 + 0.5e-10));
	ok(r.checks[0].pass && hv_npb_verified(&r), "error 0.5e-10 passes");
	hv_npb_check_real(&r, "CG", 'A', "zeta", 0, ref * (1 + 2e-10));
	ok(!r.checks[1].pass && !hv_npb_verified(&r),
	   "error 2e-10 fails and fails the run");
	memset(&r, 0, sizeof(r));
	hv_npb_check_real(&r, "EP", 'S', "sx", 0, NAN);
	ok(!r.checks[0].pass, "NaN never passes");
	hv_npb_check_real(&r, "EP", 'Q', "sx", 0, 1.0);
	ok(!r.checks[1].pass && isnan(r.checks[1].reference),
	   "missing reference fails");
	memset(&r, 0, sizeof(r));
	hv_npb_check_complex(&r, "FT", 'S', "checksum", 1, 5.546087004964e+02,
			     4.845363331978e+02);
	ok(r.checks[0].pass && r.checks[0].rel_error == 0,
	   "exact complex checksum passes");
	hv_npb_check_complex(&r, "FT", 'S', "checksum", 1, 5.546087004964e+02,
			     4.845363331978e+02 + 1e-8);
	ok(!r.checks[1].pass, "complex error 1e-8/737 > 1e-12 fails");
	hv_npb_check_exact(&r, "passed_verification", 50, 51);
	ok(!r.checks[2].pass, "IS 50 of 51 passes fails");
}

int
main(void)
{
	plan(15);
	test_lookup();
	test_checks();
	return done_testing();
}
