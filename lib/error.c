/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Errors: inside lib/ every function returns 0 or -errno; the API turns that
 * into a cs_error_t here and only here. Statuses the daemon writes (welcome,
 * ctl replies) come in through rc_errno_from_cs(), the exact inverse.
 */
#include <errno.h>

#include "cpg_int.h"

static const struct {
	int err;
	cs_error_t cs;
} map[] = {
	{ 0, CS_OK },
	{ -ENOTCONN, CS_ERR_LIBRARY },
	{ -EPROTONOSUPPORT, CS_ERR_VERSION },
	{ -ETIMEDOUT, CS_ERR_TIMEOUT },
	{ -EAGAIN, CS_ERR_TRY_AGAIN },
	{ -EINVAL, CS_ERR_INVALID_PARAM },
	{ -ENOMEM, CS_ERR_NO_MEMORY },
	{ -EBADF, CS_ERR_BAD_HANDLE },
	{ -EBUSY, CS_ERR_BUSY },
	{ -EACCES, CS_ERR_ACCESS },
	{ -ENOENT, CS_ERR_NOT_EXIST },
	{ -ENAMETOOLONG, CS_ERR_NAME_TOO_LONG },
	{ -EEXIST, CS_ERR_EXIST },
	{ -ENOSPC, CS_ERR_NO_SPACE },
	{ -EINTR, CS_ERR_INTERRUPT },
	{ -ENOBUFS, CS_ERR_NO_RESOURCES },
	{ -ENOTSUP, CS_ERR_NOT_SUPPORTED },
	{ -EMSGSIZE, CS_ERR_TOO_BIG },
	{ -ENODATA, CS_ERR_NO_SECTIONS },
	{ -EMLINK, CS_ERR_TOO_MANY_GROUPS },
	{ -EPERM, CS_ERR_SECURITY },
};

/* Anything not in the table (-EPROTO, -EIO, a failed syscall) is the library's. */
cs_error_t rc_cs_error(int ret)
{
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].err == ret)
			return map[i].cs;
	return CS_ERR_LIBRARY;
}

/* A status the daemon sent; one we do not know is a protocol error. */
int rc_errno_from_cs(int32_t status)
{
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((int32_t)map[i].cs == status)
			return map[i].err;
	return -EPROTO;
}
