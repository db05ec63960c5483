# lfswap: large anonymous folios through swap and zswap, whole, on Linux 6.12.
# `make help` lists what you can do. Everything installs what it needs.

SHELL := /bin/bash
S := scripts
KERNEL ?= patched
FLAVOUR ?= debug
VM_OPTS ?=

.PHONY: help deps prepare kernel kernels tests test run vm vm-run check-series test-detectors soak \
	deb deb-check export verify-series rebase series-id docs-check feature-matrix baseline-table bench bench-aa bench-publish bench-republish bench-frag \
	bench-frag-publish bench-zswap-pool clean distclean

help:
	@echo "lfswap make targets:"
	@echo "  make run             build the patched perf kernel, boot it, run a memory-pressure"
	@echo "                       workload with 64K mTHP and zswap, print what happened"
	@echo "  make test            build the patched debug kernel and all tests, run them in the"
	@echo "                       guest; ends with 'N passed, N failed, N skipped'; FLAVOUR=kasan"
	@echo "                       runs them on the KASAN kernel (about 4x as long)"
	@echo "  make test-detectors  plant each kind of kernel fault in a guest and check that the"
	@echo "                       log check, the runner and the summary catch and name it"
	@echo "  make soak DURATION=60m   the integrity stress soak (fork, KSM, mremap, MADV_*, swapoff,"
	@echo "                       memcg limits, zswap on/off) on every device; prints bytes verified"
	@echo "  make bench           baseline vs patched benchmarks (perf kernels): ceilings, workload"
	@echo "                       matrix, report with plots; QUICK=1 for ~10 min, CONFIG=bench/configs/X.conf,"
	@echo "                       RESUME=build/bench/results/<time> finishes an interrupted run"
	@echo "  make bench-zswap-pool zswap's pool and CPU per compressor (lz4 lz4hc zstd lzo) and"
	@echo "                       multi-page unit size (4K 16K 64K) on the corpus, one boot"
	@echo "  make bench-publish   a bench run that also writes docs/performance.md; PART=<backend> runs one"
	@echo "                       backend's rows of CONFIG, and the document is made from every part"
	@echo "                       published on this series (bench/published/; full.conf: 40-55 min a part)"
	@echo "  make bench-republish docs/performance.md, docs/performance/ and README's figures again from the"
	@echo "                       parts in bench/published/ (CONFIG= the configuration they ran), running"
	@echo "                       nothing: after a change to bench/report/ or bench/targets.conf"
	@echo "  make bench-aa        A/A check: default.conf's matrix (or CONFIG=) with both sides booting"
	@echo "                       the patched kernel; the report counts the verdicts that are not noise"
	@echo "  make bench-frag      swap slot fragmentation (upstream's thp_swap_allocator_test), baseline"
	@echo "                       vs patched, 64K fallback per iteration plotted; bench-frag-publish"
	@echo "                       also writes docs/performance-fragmentation.md"
	@echo "  make vm              interactive shell in the guest (KERNEL=patched|baseline FLAVOUR=debug|perf)"
	@echo "  make vm-run SCRIPT=path [ARGS='...']   run a script or binary in the guest, exit with its code;"
	@echo "                       KERNEL=<path to a bzImage/vmlinuz> [VARIANT=patched|baseline] [MODROOT=<root"
	@echo "                       with its lib/modules>]"
	@echo "                       boots any kernel, e.g. the one make deb-check installed"
	@echo "  make deb             Debian packages (linux-image, linux-headers) of the pinned 6.12.y with"
	@echo "                       the series, from Debian's own config (bindeb-pkg); LOCALMOD=1 keeps only"
	@echo "                       the modules this machine has loaded (or LSMOD=file lists); docs/deb.md"
	@echo "  make deb-check       install those packages (LOCALMOD=1: the trimmed ones) into a Debian 12"
	@echo "                       chroot, boot the kernel under QEMU, run a named subset of the tests"
	@echo "  make prepare         install the pinned source, apply patches/series (git am)"
	@echo "  make kernel          build KERNEL=patched|baseline FLAVOUR=debug|perf (default patched debug)"
	@echo "  make kernels         build all four kernels"
	@echo "  make tests           build our tests and the upstream kselftests"
	@echo "  make check-series    every prefix of the series builds; checkpatch --strict is clean"
	@echo "                       (CHECK_FROM=K: build prefixes K..N only)"
	@echo "  make rebase VERSION=v   move the pinned source to Debian's linux-source-6.12 v (or 'newest';"
	@echo "                       VERSION=list shows the offered ones) if the series applies; else names"
	@echo "                       each patch that does not, with its failing hunks; CHECK=1: only say"
	@echo "                       whether it applies, the pin stays"
	@echo "  make export          write the commits of build/patched/src back into the series files"
	@echo "  make verify-series   check that a fresh apply of the series reproduces build/patched/src"
	@echo "  make series-id       print the id of the series (patches/series and its patches)"
	@echo "  make docs-check      list the generated documents not made from this series"
	@echo "  make feature-matrix  run the feature probes on baseline and patched; write docs/feature-matrix.md"
	@echo "  make baseline-table  run the test suite on the baseline kernel; write docs/baseline-tests.md"
	@echo "  make deps            install the host packages (apt-get; sudo when not root)"
	@echo "  make clean           remove build outputs but keep the kernel trees; distclean removes build/"

deps:
	$(S)/deps.sh all

prepare: deps
	$(S)/prepare.sh

kernel: prepare
	$(S)/build-kernel.sh $(KERNEL) $(FLAVOUR)

kernels: prepare
	$(S)/build-kernel.sh patched debug
	$(S)/build-kernel.sh patched perf
	$(S)/build-kernel.sh baseline debug
	$(S)/build-kernel.sh baseline perf

tests: prepare
	$(S)/build-tests.sh

test:
	$(S)/test.sh --flavour $(FLAVOUR)

test-detectors:
	$(S)/test-detectors.sh --flavour $(FLAVOUR)

DURATION ?= 60m
soak:
	$(S)/soak.sh --flavour $(FLAVOUR) $(DURATION)

run:
	$(S)/run.sh

BENCH_OPTS = $(if $(filter 1,$(QUICK)),--quick) $(if $(CONFIG),--config $(CONFIG)) $(if $(RESUME),--resume $(RESUME)) \
	$(if $(PART),--part $(PART))
bench:
	$(S)/bench.sh $(BENCH_OPTS)

bench-publish:
	$(S)/bench.sh $(BENCH_OPTS) --publish

bench-republish:
	$(S)/bench.sh $(BENCH_OPTS) --republish

bench-aa:
	$(S)/bench.sh $(BENCH_OPTS) --aa

bench-frag:
	bench/frag/run.sh

bench-frag-publish:
	bench/frag/run.sh --publish

bench-zswap-pool:
	bench/zswap-pool/run.sh $(BENCH_ZSWAP_POOL_OPTS)

vm: deps
	@[ -f build/$(KERNEL)/$(FLAVOUR)/arch/x86/boot/bzImage ] || $(MAKE) --no-print-directory kernel
	$(S)/vm.sh --kernel $(KERNEL) --flavour $(FLAVOUR) $(VM_OPTS) --interactive

# KERNEL=patched|baseline, or the path of any kernel image (VARIANT=: what the
# tests take it for, patched by default; MODROOT=: a root
# filesystem whose lib/modules/<release> the guest loads modules from).
vm-run: deps
	@[ -n "$(SCRIPT)" ] || { echo "usage: make vm-run SCRIPT=path [ARGS='...'] [KERNEL=baseline|<image path> [VARIANT=baseline] [MODROOT=dir]] [FLAVOUR=perf]" >&2; exit 2; }
	@case "$(KERNEL)" in */*) [ -f "$(KERNEL)" ] || { echo "lfswap: error: KERNEL=$(KERNEL): no such file" >&2; exit 2; } ;; \
	*) [ -f build/$(KERNEL)/$(FLAVOUR)/arch/x86/boot/bzImage ] || $(MAKE) --no-print-directory kernel ;; esac
	@[ -x build/tests/lfs-integrity ] || $(MAKE) --no-print-directory tests
	$(S)/vm.sh --kernel $(KERNEL) $(if $(findstring /,$(KERNEL)),--variant $(or $(VARIANT),patched)) $(if $(MODROOT),--modroot $(MODROOT)) \
		--flavour $(FLAVOUR) $(VM_OPTS) -- $(SCRIPT) $(ARGS)

# Not after prepare: deb.sh applies the series to a tree of its own and
# leaves build/patched/src (and any work in it) alone.
deb:
	$(S)/deps.sh deb
	$(S)/deb.sh build $(if $(filter 1,$(LOCALMOD)),--localmod) $(if $(LSMOD),--lsmod $(LSMOD))

deb-check:
	$(S)/deps.sh deb
	@[ -x build/tests/lfs-integrity ] || $(MAKE) --no-print-directory tests
	$(S)/deb.sh check $(if $(filter 1,$(LOCALMOD)),localmod,full)

check-series: prepare
	$(S)/check-series.sh

# not after deps: deps installs the pinned source, which may be gone
rebase:
	$(S)/rebase.sh $(if $(filter 1,$(CHECK)),--check) "$(VERSION)"

export:
	$(S)/series.sh export

verify-series: prepare
	$(S)/series.sh verify

series-id:
	@bash -c '. $(S)/lib.sh && series_id'

docs-check:
	@$(S)/docs-check.sh

feature-matrix:
	$(S)/feature-run.sh

baseline-table:
	$(S)/test.sh --kernel baseline --table docs/baseline-tests.md

clean:
	rm -rf build/runs build/tests build/kselftest build/*/debug build/*/perf build/check build/deb/*/obj build/deb/check-run

distclean:
	rm -rf build
