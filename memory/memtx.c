/* memtx.c - names of transaction results for messages */
#include "memory/memtx.h"

const char *memtx_result_name(MemTxResult r)
{
    switch (r) {
    case MEMTX_OK:
        return "ok";
    case MEMTX_ERROR:
        return "error";
    case MEMTX_DECODE_ERROR:
        return "decode-error";
    case MEMTX_ACCESS_ERROR:
        return "access-error";
    default:
        return "multiple-errors";
    }
}
