/*
 * bench-rw - 64 KiB address_space_read/write on RAM beside memcpy of the
 * same size, on one window that stays in cache (measures our overhead,
 * not the memory system).
 */
#include "bench-util.h"
#include <string.h>
#include "memory/address-space.h"

#define CHUNK (64 * 1024)
#define RAM_SIZE (64ull << 20)
#define ITER 4000

int main(void)
{
    MemoryRegion *sys = memory_region_new_container("system", UINT64_MAX);
    MemoryRegion *ram = memory_region_new_ram("ram", RAM_SIZE, NULL, NULL);
    memory_region_add_subregion(sys, 0, ram, NULL);
    AddressSpace *as = address_space_new(sys, "memory");
    uint8_t *host = memory_region_get_ram_ptr(ram);
    uint8_t *buf = g_malloc(CHUNK);
    memset(host, 0x5a, RAM_SIZE);
    memset(buf, 0xa5, CHUNK);

    for (int cold = 0; cold <= 0; cold++) { /* warm: one window in cache */
        double s_memcpy_r[ITER / 100], s_read[ITER / 100], s_write[ITER / 100];
        double s_memcpy_w[ITER / 100];
        for (int round = 0; round < ITER / 100; round++) {
            double t[5];
            hwaddr off[100];
            for (int i = 0; i < 100; i++) {
                off[i] = cold ? (hwaddr)((i * 37 + round * 11) % (RAM_SIZE / CHUNK)) * CHUNK : 0;
            }
            t[0] = bench_now_ns();
            for (int i = 0; i < 100; i++) {
                memcpy(buf, host + off[i], CHUNK);
                __asm__ volatile("" ::: "memory");
            }
            t[1] = bench_now_ns();
            for (int i = 0; i < 100; i++) {
                address_space_read(as, off[i], MEMTXATTRS_UNSPECIFIED, buf, CHUNK);
            }
            t[2] = bench_now_ns();
            for (int i = 0; i < 100; i++) {
                memcpy(host + off[i], buf, CHUNK);
                __asm__ volatile("" ::: "memory");
            }
            t[3] = bench_now_ns();
            for (int i = 0; i < 100; i++) {
                address_space_write(as, off[i], MEMTXATTRS_UNSPECIFIED, buf, CHUNK);
            }
            t[4] = bench_now_ns();
            s_memcpy_r[round] = (t[1] - t[0]) / 100;
            s_read[round] = (t[2] - t[1]) / 100;
            s_memcpy_w[round] = (t[3] - t[2]) / 100;
            s_write[round] = (t[4] - t[3]) / 100;
        }
        double mr = bench_median(s_memcpy_r, ITER / 100);
        double r = bench_median(s_read, ITER / 100);
        double mw = bench_median(s_memcpy_w, ITER / 100);
        double w = bench_median(s_write, ITER / 100);
        /* bandwidth ratio = memcpy time / our time */
        bench_report("address_space_read 64 KiB", r, "ns", "memcpy 64 KiB", mr,
                     ">= 0.8x memcpy bandwidth", mr / r >= 0.8);
        bench_report("address_space_write 64 KiB", w, "ns", "memcpy 64 KiB", mw,
                     ">= 0.8x memcpy bandwidth", mw / w >= 0.8);
    }
    g_free(buf);
    memory_region_unref(ram);
    address_space_destroy(as);
    memory_region_unref(sys);
    return 0;
}
