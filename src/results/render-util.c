/*
 * render-util.c - helpers the renderers share (render-util.h).
 */
#include <math.h>

#include "hpcvirt/results/render-util.h"

void
hv_json_put(cJSON *o, const char *key, cJSON *item, bool *ok)
{
	bool added = item && (key ? cJSON_AddItemToObject(o, key, item)
				  : cJSON_AddItemToArray(o, item));

	if (!added) {
		cJSON_Delete(item);
		*ok = false;
	}
}

cJSON *
hv_json_num(bool have, double v)
{
	return have && isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

cJSON *
hv_json_str(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

void
hv_put_text(FILE *f, const char *s, int width)
{
	int n = 0;

	for (; s && *s; s++, n++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
	for (; n < width; n++)
		fputc(' ', f);
}
