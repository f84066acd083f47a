/*
 * sgshim.so: an LD_PRELOAD library that makes sg3_utils see a SCSI device at a path that does not
 * exist (e.g. /dev/sg-clusterprobe-a), and carries its SG_IO commands to sgbridge, which runs them
 * on a real iSCSI target through libiscsi.
 *
 *   SGSHIM_SOCKET=/tmp/.../bridge.sock SGSHIM_DEVICES=/dev/sg-a:/dev/sg-b LD_PRELOAD=.../sgshim.so \
 *     sg_persist -n --in -k -HH /dev/sg-a
 *
 * open()/open64()/openat() (and glibc's fortified __open_2 forms) of a listed path connect to the
 * bridge's socket and return that socket as the file descriptor; ioctl(SG_IO) on it sends the
 * sg_io_hdr v3 request (CDB, direction, length, data-out) and fills in status, sense, data-in and
 * resid from the reply; close() forgets it. Every other path and fd goes to libc untouched.
 *
 * What sg3_utils 1.46 does with the fd (lib/sg_pt_linux.c): it fstat()s it and uses the sg v4
 * interface only for a char device whose major is the sg (21) or bsg major from /proc/devices;
 * anything else, a socket included, gets SG_IO with a v3 header. So fstat needs no faking, and
 * SG_GET_VERSION_NUM is only asked of sg devices (answered anyway, as sg 3.5.36).
 *
 * Build: cc -O2 -shared -fPIC -o sgshim.so sgshim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sgbridge.h"

#define MAX_FD 4096
static unsigned char g_ours[MAX_FD];

static int is_listed(const char *path)
{
	const char *list = getenv("SGSHIM_DEVICES");
	if (path == NULL || list == NULL) return 0;
	size_t n = strlen(path);
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, path, n) == 0) return 1;
		if (!end) break;
		p = end + 1;
	}
	return 0;
}

static int io_full(int fd, void *buf, size_t n, int writing)
{
	uint8_t *p = buf;
	while (n > 0) {
		ssize_t r = writing ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int bridge_open(const char *path)
{
	const char *sock = getenv("SGSHIM_SOCKET");
	struct sockaddr_un a;
	if (sock == NULL || strlen(sock) >= sizeof(a.sun_path) || strlen(path) > SGB_MAX_PATH) {
		errno = ENXIO;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	strcpy(a.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) return -1;
	if (fd >= MAX_FD || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		errno = ENXIO;
		return -1;
	}
	struct sgb_hello h = { SGB_MAGIC, (uint32_t)strlen(path) };
	int32_t err = EIO;
	if (io_full(fd, &h, sizeof(h), 1) != 0 || io_full(fd, (void *)path, h.path_len, 1) != 0 ||
	    io_full(fd, &err, sizeof(err), 0) != 0 || err != 0) {
		close(fd);
		errno = err ? err : EIO;
		return -1;
	}
	g_ours[fd] = 1;
	return fd;
}

static int do_sg_io(int fd, sg_io_hdr_t *h)
{
	if (h == NULL || h->interface_id != 'S' || h->iovec_count != 0 || h->cmdp == NULL || h->cmd_len < 6 ||
	    h->cmd_len > 16 || h->dxfer_len > SGB_MAX_XFER) {
		errno = EINVAL;
		return -1;
	}
	struct sgb_request rq;
	memset(&rq, 0, sizeof(rq));
	rq.magic = SGB_MAGIC;
	rq.cdb_len = h->cmd_len;
	memcpy(rq.cdb, h->cmdp, h->cmd_len);
	rq.dxfer_len = h->dxfer_len;
	if (h->dxfer_direction == SG_DXFER_TO_DEV && h->dxfer_len > 0) rq.dir = SGB_DIR_TO_DEV;
	else if ((h->dxfer_direction == SG_DXFER_FROM_DEV || h->dxfer_direction == SG_DXFER_TO_FROM_DEV) && h->dxfer_len > 0)
		rq.dir = SGB_DIR_FROM_DEV;
	else
		rq.dxfer_len = 0;
	if (io_full(fd, &rq, sizeof(rq), 1) != 0) goto lost;
	if (rq.dir == SGB_DIR_TO_DEV && io_full(fd, h->dxferp, rq.dxfer_len, 1) != 0) goto lost;
	struct sgb_reply rp;
	if (io_full(fd, &rp, sizeof(rp), 0) != 0 || rp.din_len > rq.dxfer_len) goto lost;
	uint8_t sense[SGB_MAX_SENSE];
	if (rp.sense_len && io_full(fd, sense, rp.sense_len, 0) != 0) goto lost;
	if (rp.din_len && io_full(fd, h->dxferp, rp.din_len, 0) != 0) goto lost;
	size_t copy = rp.sense_len < h->mx_sb_len ? rp.sense_len : h->mx_sb_len;
	if (copy && h->sbp) memcpy(h->sbp, sense, copy);
	h->sb_len_wr = (unsigned char)(h->sbp ? copy : 0);
	h->status = rp.status;
	h->masked_status = (rp.status >> 1) & 0x7f;
	h->host_status = rp.host_status;
	h->driver_status = rp.driver_status;
	h->msg_status = 0;
	h->resid = rp.resid;
	h->duration = rp.duration_ms;
	h->info = (rp.status || rp.host_status || rp.driver_status) ? SG_INFO_CHECK : SG_INFO_OK;
	return 0;
lost:
	errno = EIO;
	return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Interposed libc entry points                                                               */

#define REAL(name, type) ((type)dlsym(RTLD_NEXT, name))

static int open_common(const char *fn, int dirfd, const char *path, int flags, mode_t mode, int at)
{
	if (is_listed(path)) return bridge_open(path);
	if (at) {
		int (*real)(int, const char *, int, ...) = REAL(fn, int (*)(int, const char *, int, ...));
		return real(dirfd, path, flags, mode);
	}
	int (*real)(const char *, int, ...) = REAL(fn, int (*)(const char *, int, ...));
	return real(path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return open_common("open", 0, path, flags, m, 0);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return open_common("open64", 0, path, flags, m, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return open_common("openat", dirfd, path, flags, m, 1);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t m = mode_arg(flags, ap);
	va_end(ap);
	return open_common("openat64", dirfd, path, flags, m, 1);
}

int __open_2(const char *path, int flags)
{
	if (is_listed(path)) return bridge_open(path);
	return REAL("__open_2", int (*)(const char *, int))(path, flags);
}

int __open64_2(const char *path, int flags)
{
	if (is_listed(path)) return bridge_open(path);
	return REAL("__open64_2", int (*)(const char *, int))(path, flags);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd < MAX_FD && g_ours[fd]) {
		if (request == SG_IO) return do_sg_io(fd, arg);
		if (request == SG_GET_VERSION_NUM && arg) {
			*(int *)arg = 30536;
			return 0;
		}
		errno = ENOTTY;
		return -1;
	}
	return REAL("ioctl", int (*)(int, unsigned long, ...))(fd, request, arg);
}

int close(int fd)
{
	if (fd >= 0 && fd < MAX_FD) g_ours[fd] = 0;
	return REAL("close", int (*)(int))(fd);
}
