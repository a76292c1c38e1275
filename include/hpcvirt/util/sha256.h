/*
 * sha256.h - SHA-256 (FIPS 180-4) of a file: the checksums of the binaries
 * a study ran (results/provenance) and the content hash of a cached guest
 * image (host/image).
 */
#ifndef HPCVIRT_SHA256_H
#define HPCVIRT_SHA256_H

/* SHA-256 of a file as 64 hex digits; -errno if it cannot be read. */
int hv_sha256_file(const char *path, char hex[65]);

#endif
