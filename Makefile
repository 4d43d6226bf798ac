# xdpsec build. `make` builds everything into build/; `make test` installs
# what is missing, then runs every test; see README.md.
#
# Layout: engine/ (ESP/AH packet engine, library), bpf/ (BPF programs),
# maps/ (shared map schemas), loader/ (the xdpsec CLI/daemon),
# tests/ (unit, fuzz, bench, pytest).

CC        ?= gcc
CLANG     ?= clang-16
BPFTOOL   ?= bpftool
PYTHON    ?= /usr/bin/python3
B         := build

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN      := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS    ?= -O2 -g
CFLAGS    += $(WARN) -std=gnu11 -fPIC -D_GNU_SOURCE -fstack-protector-strong \
             -march=x86-64-v2 -I. -I$(B)
LDLIBS_ENGINE := -lcrypto -lnettle -lsodium

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
             -fno-sanitize-recover=all

ENGINE_SRC := $(wildcard engine/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(B)/obj/%.o)
ENGINE_ASAN_OBJ := $(ENGINE_SRC:%.c=$(B)/asan/obj/%.o)
ENGINE_HDR := $(wildcard engine/*.h maps/*.h)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_HDR  := $(wildcard tests/unit/*.h)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
UNIT_ASAN := $(UNIT_SRC:tests/unit/%.c=$(B)/asan/tests/%)

FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)

BENCH_SRC := $(wildcard tests/bench/*.c)

BPF_SRC   := $(wildcard bpf/*.bpf.c)
BPF_OBJ   := $(BPF_SRC:bpf/%.bpf.c=$(B)/bpf/%.bpf.o)
BPF_SKEL  := $(BPF_SRC:bpf/%.bpf.c=$(B)/bpf/%.skel.h)
BPF_HDR   := $(wildcard bpf/*.h bpf/lib/*.h maps/*.h)

WORKER_SRC := $(wildcard worker/*.c)
WORKER_OBJ := $(WORKER_SRC:%.c=$(B)/obj/%.o)
WORKER_LDLIBS := -lxdp -lbpf -lelf -lz -lpthread
WORKT_SRC := $(wildcard tests/worker/*.c)
WORKT_BIN := $(WORKT_SRC:tests/worker/%.c=$(B)/tests/worker/%)

IKE_SRC   := $(wildcard ike/*.c)
IKE_OBJ   := $(IKE_SRC:%.c=$(B)/obj/%.o)
IKE_ASAN_OBJ := $(IKE_SRC:%.c=$(B)/asan/obj/%.o)
IKE_HDR   := $(wildcard ike/*.h) $(B)/gen/ikev2_names.h

LOADER_SRC := $(wildcard loader/*.c loader/commands/*.c)
LOADER_OBJ := $(LOADER_SRC:%.c=$(B)/obj/%.o)

TARGETS := $(B)/libxdpsec-engine.a $(B)/libxdpsec-engine.so $(UNIT_BIN)
ifneq ($(WORKER_SRC),)
TARGETS += $(B)/libxdpsec-worker.a $(B)/libxdpsec-worker.so $(WORKT_BIN)
endif
ifneq ($(BENCH_SRC),)
TARGETS += $(B)/xdpsec-bench
endif
ifneq ($(BPF_SRC),)
TARGETS += $(BPF_SKEL)
endif
# The CLI/daemon links once it has a main(); until then loader/ holds
# libraries (the SPD compiler) used by the BPF tests.
ifneq ($(wildcard loader/main.c),)
TARGETS += $(B)/xdpsec
endif

ifneq ($(IKE_SRC),)
TARGETS += $(B)/libxdpsec-ike.a $(B)/libxdpsec-ike.so $(B)/tests/ike/ike_decode
endif

# The kernel backend's XFRM netlink codec alone (tests/test_kernel_backend.py).
XFRMT_OBJ := $(addprefix $(B)/obj/loader/,xfrm_nl.o pol_parse.o sa_parse.o sel_parse.o \
	       args.o util.o)
ifneq ($(wildcard tests/kernel/xfrm_tool.c),)
TARGETS += $(B)/tests/kernel/xfrm_tool
endif

BPFT_SRC  := $(wildcard tests/bpf/test_*.c)
BPFT_BIN  := $(BPFT_SRC:tests/bpf/%.c=$(B)/tests/bpf/%)
BPFT_LIB  := tests/bpf/harness.c loader/spd_compile.c
ifneq ($(BPFT_SRC),)
TARGETS += $(BPFT_BIN) $(B)/xdpsec-bpf-bench
endif

.PHONY: all deps test unit unit-asan fuzz fuzz-seeds bench demo bench-e2e bench-ike \
	clean
all: $(TARGETS)

deps:
	$(Q)scripts/deps.sh

# --- engine ---------------------------------------------------------------
$(B)/gen/drop_names.h: maps/drop_reasons.h scripts/gen_names.awk
	@mkdir -p $(@D)
	$(Q)awk -v table=xs_drop_names -f scripts/gen_names.awk $< > $@

ENGINE_HDR += $(B)/gen/drop_names.h
$(B)/obj/%.o: %.c $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/libxdpsec-engine.a: $(ENGINE_OBJ)
	$(if $(Q),@echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(B)/libxdpsec-engine.so: $(ENGINE_OBJ)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -o $@ $^ $(LDLIBS_ENGINE)

# --- unit tests (cmocka), plain and with ASan+UBSan -----------------------
$(B)/tests/%: tests/unit/%.c $(B)/libxdpsec-engine.a $(ENGINE_HDR) $(UNIT_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(B)/libxdpsec-engine.a -lcmocka $(LDLIBS_ENGINE)

$(B)/asan/obj/%.o: %.c $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $<")
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(B)/asan/tests/%: tests/unit/%.c $(ENGINE_ASAN_OBJ) $(ENGINE_HDR) $(UNIT_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $@")
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) $< -o $@ $(ENGINE_ASAN_OBJ) -lcmocka $(LDLIBS_ENGINE)

# The engine as a shared library with ASan+UBSan, for running the Python
# cross-check suites under the sanitizers (tests/test_engine_asan.py).
$(B)/asan/libxdpsec-engine.so: $(ENGINE_ASAN_OBJ)
	$(if $(Q),@echo "  LD-SAN  $@")
	$(Q)$(CLANG) -shared -shared-libsan $(SAN_FLAGS) -o $@ $^ $(LDLIBS_ENGINE)

# The selector test also compiles worker/selector.c (which needs only the
# engine's IP helpers).
$(B)/tests/test_selector: tests/unit/test_selector.c worker/selector.c \
			  worker/selector.h $(B)/libxdpsec-engine.a $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< worker/selector.c -o $@ $(B)/libxdpsec-engine.a \
		-lcmocka $(LDLIBS_ENGINE)

$(B)/asan/tests/test_selector: tests/unit/test_selector.c worker/selector.c \
			       worker/selector.h $(ENGINE_ASAN_OBJ) $(ENGINE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $@")
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) $< worker/selector.c -o $@ \
		$(ENGINE_ASAN_OBJ) -lcmocka $(LDLIBS_ENGINE)

unit: $(UNIT_BIN)
unit-asan: $(UNIT_ASAN) $(B)/asan/libxdpsec-engine.so

# --- IKE (ike/): a library for the daemon, a .so (with the engine) for the
# ctypes tests; tests/unit/test_ike_*.c link it ----------------------------
$(IKE_OBJ) $(IKE_ASAN_OBJ): $(IKE_HDR)

$(B)/libxdpsec-ike.a: $(IKE_OBJ)
	$(if $(Q),@echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(B)/libxdpsec-ike.so: $(IKE_OBJ) $(ENGINE_OBJ)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -o $@ $^ $(LDLIBS_ENGINE)

$(B)/tests/test_ike_%: tests/unit/test_ike_%.c $(B)/libxdpsec-ike.a \
		       $(B)/libxdpsec-engine.a $(ENGINE_HDR) $(IKE_HDR) \
		       $(UNIT_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(B)/libxdpsec-ike.a \
		$(B)/libxdpsec-engine.a -lcmocka $(LDLIBS_ENGINE)

$(B)/asan/tests/test_ike_%: tests/unit/test_ike_%.c $(IKE_ASAN_OBJ) \
			    $(ENGINE_ASAN_OBJ) $(ENGINE_HDR) $(IKE_HDR) \
			    $(UNIT_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC-SAN  $@")
	$(Q)$(CLANG) $(CFLAGS) $(SAN_FLAGS) $< -o $@ $(IKE_ASAN_OBJ) \
		$(ENGINE_ASAN_OBJ) -lcmocka $(LDLIBS_ENGINE)

# IKEv2 name tables from the comments of ike/ikev2.h's enums; notify status
# types (from 16384) are rebased to 0 to keep their table small.
IKE_NAME_ENUMS := exchange payload proto xform_type encr prf integ dh esn \
		  notify_error notify_status id_type cert_encoding auth_method \
		  hash ts_type
$(B)/gen/ikev2_names.h: ike/ikev2.h scripts/gen_names.awk
	@mkdir -p $(@D)
	$(Q)for e in $(IKE_NAME_ENUMS); do \
	  base=0; [ $$e = notify_status ] && base=16384; \
	  sed -n "/^enum ikev2_$$e {/,/^};/p" $< | \
	  awk -v base=$$base '$$2 == "=" { v = $$3 + 0; \
	    sub(/= [0-9]+,/, "= " (v - base) ",") } 1' | \
	  awk -v table=ikev2_$${e}_names -f scripts/gen_names.awk; \
	done > $@.tmp && mv $@.tmp $@

# The IKE codec's decoder for the Python tests: one message in, JSON out.
$(B)/tests/ike/%: tests/ike/%.c $(B)/libxdpsec-ike.a $(B)/libxdpsec-engine.a \
		  $(ENGINE_HDR) $(IKE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(B)/libxdpsec-ike.a \
		$(B)/libxdpsec-engine.a $(LDLIBS_ENGINE)

# --- fuzzing (libFuzzer, clang-16) ----------------------------------------
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
$(B)/fuzz/%: tests/fuzz/%.c $(ENGINE_SRC) $(ENGINE_HDR) $(wildcard tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZ    $@")
	$(Q)$(CLANG) $(CFLAGS) $(FUZZ_FLAGS) $< $(ENGINE_SRC) -o $@ $(LDLIBS_ENGINE)

# IKE harnesses (fuzz_ike_*) also compile the IKE library's sources.
$(B)/fuzz/fuzz_ike_%: tests/fuzz/fuzz_ike_%.c $(IKE_SRC) $(ENGINE_SRC) \
		      $(ENGINE_HDR) $(IKE_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  FUZZ    $@")
	$(Q)$(CLANG) $(CFLAGS) $(FUZZ_FLAGS) $< $(IKE_SRC) $(ENGINE_SRC) -o $@ \
		$(LDLIBS_ENGINE)

# The committed seeds of fuzz_esp_in: valid packets for each of its SAs.
$(B)/fuzz-tools/gen_esp_in_seeds: tests/fuzz/gen_esp_in_seeds.c tests/fuzz/fuzz_esp_sas.h $(B)/libxdpsec-engine.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< -o $@ $(B)/libxdpsec-engine.a $(LDLIBS_ENGINE)

fuzz-seeds: $(B)/fuzz-tools/gen_esp_in_seeds
	@mkdir -p tests/fuzz/corpus/fuzz_esp_in
	$(Q)$< tests/fuzz/corpus/fuzz_esp_in

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	$(Q)for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  mkdir -p $(B)/fuzz/corpus-$$n; \
	  echo "  RUN     $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	      -print_final_stats=1 $(B)/fuzz/corpus-$$n tests/fuzz/corpus/$$n \
	      2>$(B)/fuzz/$$n.log || { tail -50 $(B)/fuzz/$$n.log; exit 1; }; \
	  grep -E 'stat::number_of_executed_units|Done' $(B)/fuzz/$$n.log; \
	done

# --- benchmark ------------------------------------------------------------
$(B)/xdpsec-bench: $(BENCH_SRC) $(B)/libxdpsec-engine.a $(ENGINE_HDR)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -O3 $(BENCH_SRC) -o $@ $(B)/libxdpsec-engine.a $(LDLIBS_ENGINE)

bench: $(B)/xdpsec-bench
	@mkdir -p $(B)/bench
	$(Q)$(B)/xdpsec-bench --json $(B)/bench/engine.json

# --- BPF ------------------------------------------------------------------
$(B)/vmlinux.h:
	@mkdir -p $(@D)
	$(if $(Q),@echo "  GEN     $@")
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
              -I. -I$(B) -Ibpf
$(B)/bpf/%.tmp.o: bpf/%.bpf.c $(B)/vmlinux.h $(BPF_HDR)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  BPF     $<")
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(B)/bpf/%.bpf.o: $(B)/bpf/%.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $<

$(B)/bpf/%.skel.h: $(B)/bpf/%.bpf.o
	$(if $(Q),@echo "  SKEL    $@")
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# --- BPF tests (BPF_PROG_TEST_RUN) and classification benchmark -----------
BPFT_LDLIBS := -lbpf -lxdp -lelf -lz
$(B)/tests/bpf/%: tests/bpf/%.c $(BPFT_LIB) tests/bpf/harness.h $(BPF_SKEL) \
		  $(ENGINE_HDR) loader/spd_compile.h
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< $(BPFT_LIB) -o $@ -lcmocka $(BPFT_LDLIBS)

$(B)/xdpsec-bpf-bench: tests/bpf/bench_classify.c $(BPFT_LIB) \
		       tests/bpf/harness.h $(BPF_SKEL) $(ENGINE_HDR)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< $(BPFT_LIB) -o $@ $(BPFT_LDLIBS)

# --- AF_XDP worker: a library for the daemon, a .so (with the engine) for
# the ctypes tests, and the C test programs of tests/worker/ ---------------
$(B)/obj/worker/%.o: worker/%.c $(ENGINE_HDR) $(wildcard worker/*.h)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/libxdpsec-worker.a: $(WORKER_OBJ)
	$(if $(Q),@echo "  AR      $@")
	$(Q)ar rcs $@ $^

$(B)/libxdpsec-worker.so: $(WORKER_OBJ) $(ENGINE_OBJ)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -shared -o $@ $^ $(WORKER_LDLIBS) $(LDLIBS_ENGINE)

$(B)/tests/worker/%: tests/worker/%.c $(BPFT_LIB) tests/bpf/harness.h \
		     $(BPF_SKEL) $(B)/libxdpsec-worker.a $(B)/libxdpsec-engine.a \
		     $(ENGINE_HDR) $(wildcard worker/*.h)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< $(BPFT_LIB) -o $@ $(B)/libxdpsec-worker.a \
		$(B)/libxdpsec-engine.a -lcmocka $(WORKER_LDLIBS) $(LDLIBS_ENGINE)

# --- loader (xdpsec CLI and daemon) ---------------------------------------
$(B)/obj/loader/%.o: loader/%.c $(BPF_SKEL) $(ENGINE_HDR) $(IKE_HDR) $(wildcard loader/*.h loader/commands/*.h)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/xdpsec: $(LOADER_OBJ) $(B)/libxdpsec-ike.a $(B)/libxdpsec-worker.a \
	     $(B)/libxdpsec-engine.a
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(CC) -o $@ $(LOADER_OBJ) $(B)/libxdpsec-ike.a $(B)/libxdpsec-worker.a \
		$(B)/libxdpsec-engine.a -ljansson $(WORKER_LDLIBS) $(LDLIBS_ENGINE)

$(B)/tests/kernel/xfrm_tool: tests/kernel/xfrm_tool.c $(XFRMT_OBJ) \
			      $(B)/libxdpsec-worker.a $(B)/libxdpsec-engine.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $< $(XFRMT_OBJ) -o $@ $(B)/libxdpsec-worker.a \
		$(B)/libxdpsec-engine.a -ljansson $(WORKER_LDLIBS) $(LDLIBS_ENGINE)

# --- tests ----------------------------------------------------------------
# The whole suite: dependencies, build, then pytest drives everything
# (C unit tests plain and under ASan+UBSan, bounded fuzzing, scapy
# cross-checks, namespace tests) so one runner reports one total.
test: deps
	$(Q)$(MAKE) --no-print-directory all unit-asan $(FUZZ_BIN)
	$(Q)$(PYTHON) -m pytest -p no:cacheprovider tests

# The README's demo: two xdpsec gateways in namespaces, a ping through the
# tunnel, status, counters, the SAD and the ESP on the wire (as root).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

# End-to-end benchmark (as root): kernel routing, the xdpsec tunnel, the
# worker without crypto and strongSwan kernel-libipsec in namespaces, then
# the classification cost; a table, and $(B)/bench/e2e.json. Not a test.
bench-e2e: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(PYTHON) tests/bench_e2e/bench_e2e.py --json $(B)/bench/e2e.json

# IKE SA setups per second (as root): the xdpsec daemon and strongSwan's
# charon as responders to the same driver (tests/ike/ike_load_tool, the IKE
# core as initiator); a line per run, and $(B)/bench/ike.json. Not a test.
bench-ike: deps
	$(Q)$(MAKE) --no-print-directory all $(B)/tests/ike/ike_load_tool
	$(Q)$(PYTHON) tests/bench_ike/bench_ike.py --json $(B)/bench/ike.json

clean:
	rm -rf $(B)
