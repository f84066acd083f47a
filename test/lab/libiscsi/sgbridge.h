/*
 * The wire between sgshim.so (LD_PRELOADed into sg3_utils) and sgbridge (the daemon that holds
 * the iSCSI sessions). Both ends are built on the same machine by the same compiler, so the
 * structs travel in native byte order and layout over a unix stream socket.
 *
 *   client -> bridge: struct sgb_hello + path bytes        bridge -> client: int32 errno (0 = ok)
 *   client -> bridge: struct sgb_request + data-out bytes  bridge -> client: struct sgb_reply
 *                                                                            + sense + data-in
 */
#ifndef CLUSTERPROBE_SGBRIDGE_H
#define CLUSTERPROBE_SGBRIDGE_H

#include <stdint.h>

#define SGB_MAGIC 0x53474231u /* "SGB1" */
#define SGB_MAX_PATH 256
#define SGB_MAX_XFER (1024 * 1024)
#define SGB_MAX_SENSE 252

enum sgb_dir { SGB_DIR_NONE = 0, SGB_DIR_FROM_DEV = 1, SGB_DIR_TO_DEV = 2 };

struct sgb_hello {
	uint32_t magic;
	uint32_t path_len;
};

struct sgb_request {
	uint32_t magic;
	uint8_t cdb_len;
	uint8_t dir;
	uint8_t pad[2];
	uint8_t cdb[16];
	uint32_t dxfer_len; /* data-in allocation or data-out length */
};

struct sgb_reply {
	uint8_t status;        /* SCSI status byte */
	uint8_t host_status;   /* Linux DID_*: 0 ok, 0x07 DID_ERROR (session lost) */
	uint8_t driver_status; /* Linux DRIVER_SENSE (0x08) when sense is present */
	uint8_t sense_len;
	int32_t resid;
	uint32_t din_len;
	uint32_t duration_ms;
};

#endif
