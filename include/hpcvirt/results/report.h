/*
 * report.h - renderers. Each reads an analysed struct hv_study
 * (hv_study_analyze() already called) and writes one format. They never
 * change the study.
 */
#ifndef HPCVIRT_REPORT_H
#define HPCVIRT_REPORT_H

#include <stdio.h>

#include "hpcvirt/util/err.h"
#include "hpcvirt/results/result.h"

/*
 * JSON document:
 * {"hpcvirt": VERSION, "context": {...}, "cells": [{"env", "bench",
 *  "params": {...}, "metric", "unit", "higher_is_better", "status",
 *  "reason", "samples": [...], "n", "mean", "stddev", "min", "max",
 *  "median", "p99", "ratio_to_native", "ratio_ci95": [lo, hi],
 *  "verdict", "p_value", "p_bh", "verdict_bh", "speedup",
 *  "speedup_ci95", "speedup_vs", "ranks_per_core",
 *  "host_cpu_pressure_max", "host_load1_max", "contended",
 *  "unstable", "precision"}]}
 * Unknown values are null, and so is any NaN or Inf. Numbers keep full
 * precision. Params values that are complete finite JSON numbers are
 * numbers, others strings. Native cells have ratio_to_native 1.0 with
 * ratio_ci95 and verdict null; a cell without a ratio (fewer than 2
 * samples on either side, failed, no native twin) has all three null.
 * "verdict" is the raw 95 % verdict; "p_value" its p (hv_ratio.p),
 * "p_bh" that p adjusted by Benjamini-Hochberg over the study's ratios
 * and "verdict_bh" the verdict that survives it (all null without a
 * ratio). "unstable" is null for a readable cell, else {"why": text,
 * "cv", "max_over_median", "ratio" (null when unknown),
 * "native_unstable": bool} (hv_unstable_check). "precision" is null
 * for a cell that is no target of an adaptive study (results/precision.h),
 * else {"half_width": the relative half-width reached, "met": bool,
 * "why": null, or what kept it from the target}.
 */
int hv_render_json(FILE *f, const struct hv_study *s, struct hv_err *err);

/*
 * CSV, RFC 4180 quoting (LF line ends), one header row then one row per
 * cell: env,bench,params,metric,unit,higher_is_better,status,n,mean,
 * stddev,min,median,p99,max,ratio_to_native,ci_lo,ci_hi,verdict,
 * contended,speedup,speedup_lo,speedup_hi,p_value,p_bh,verdict_bh,
 * unstable,half_width,precision,reason (29 fields). params is the
 * canonical "k=v,k=v" text; unknown values are empty; unstable is the
 * guard's why, empty for a readable cell; precision is "met", "missed" or
 * empty (no target).
 */
int hv_render_csv(FILE *f, const struct hv_study *s, struct hv_err *err);

/*
 * Terminal tables, one per bench and parameter set, as in DESIGN.md:
 *   net.rr size_bytes=1 half_rtt_p50_ns   median     vs native (95% CI)
 *     native                              11.8 us    1.00
 *     ns                                  12.4 us    1.05 [1.03, 1.07] slower
 * Values are scaled to a readable unit (ns -> us/ms/s, bytes/s -> MB/s...).
 * Columns also give n and cv% (stddev / mean). Native comes first, then
 * the other envs in study order; failed cells print "FAILED: reason".
 */
int hv_render_table(FILE *f, const struct hv_study *s, struct hv_err *err);

/*
 * A value in its unit, scaled as the table shows it ("12.4 us",
 * "1.21 GB/s"), with the unit's name cleaned of control bytes.
 */
void hv_format_value(char *buf, size_t len, double v, const char *unit);

#endif
