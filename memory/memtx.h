/*
 * memtx.h - basic types of the memory floor: guest addresses, transaction
 * attributes and results, device endianness.
 *
 * Values are QEMU's (include/exec/memattrs.h, include/exec/memory.h) so that
 * results can be compared with QEMU one for one.
 */
#ifndef IOMMUSIM_MEMORY_MEMTX_H
#define IOMMUSIM_MEMORY_MEMTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <inttypes.h>

typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX
#define HWADDR_PRIx "016" PRIx64

/* 128-bit quantities for range ends that may reach 2^64 */
typedef unsigned __int128 u128;
#define U128_2_64 (((u128)1) << 64)

/* Attributes that travel with each memory transaction. */
typedef struct MemTxAttrs {
    unsigned int unspecified : 1; /* no attributes were given */
    unsigned int secure : 1;
    unsigned int user : 1;
    unsigned int debug : 1;      /* debugger access: ignores permissions */
    unsigned int requester_id : 16; /* PCI requester ID (bus << 8 | devfn) */
    unsigned int pasid_valid : 1;
    unsigned int pasid : 20;
} MemTxAttrs;

#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs){ .unspecified = 1 })

/* Bit-or-able transaction results, as QEMU's MEMTX_* */
typedef uint32_t MemTxResult;
#define MEMTX_OK 0u
#define MEMTX_ERROR (1u << 0)
#define MEMTX_DECODE_ERROR (1u << 1)
#define MEMTX_ACCESS_ERROR (1u << 2)

/* Byte order of a device's registers. Native is little (x86 targets). */
typedef enum device_endian {
    DEVICE_NATIVE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
} device_endian;

/* Name of a MemTxResult for messages: "ok", "error", "decode-error", ... */
const char *memtx_result_name(MemTxResult r);

#endif
