/*
 * lspci.h - an `lspci -nn`-style listing of a simulated PCI hierarchy.
 *
 *   00:00.0 Host bridge [0600]: Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller [8086:29c0]
 *   00:04.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10)
 *
 * One line per function that a config cycle can reach, in bus, slot,
 * function order, as lspci prints them (names: pci-names.h; " (rev NN)"
 * only for a non-zero revision). Functions behind a bridge whose bus
 * numbers do not route to them are listed after, with "--" for the bus
 * and the bridge they sit behind, e.g.
 *   --:03.0 Unclassified device [00ff]: Device [1234:11e8] (rev 10) (behind 00:07.0, bus not reachable)
 */
#ifndef IOMMUSIM_DMA_LSPCI_H
#define IOMMUSIM_DMA_LSPCI_H

#include "dma/pci.h"

/* The listing of the whole hierarchy @bus belongs to; each line ends in a
 * newline (free with g_free). */
char *pci_bus_lspci(PCIBus *bus);
/* The listing line of one function, without newline */
char *pci_device_lspci_line(PCIDevice *d);

#endif
