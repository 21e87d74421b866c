# The power-cut suite's helpers for workloads (sourced with $G, the logged
# group device, set; tests/powercut/workload.sh says what each does).
mark() { dmsetup message pc-lw 0 mark "$1"; }   # one word: the target takes one argument
# as_owner ARGS...: stardm as this node, or as node b when b owns the pool
as_owner() {
	stardm "$@" 2>/tmp/as_owner.err
	rc=$?
	[ "$rc" = 5 ] || { cat /tmp/as_owner.err >&2; return "$rc"; }
	STARDM_NODE_NAME=b stardm "$@"
}
# tagged VOL SEQ: block SEQ % 64 of VOL gets "v=VOL s=SEQ" (direct I/O)
tagged() {
	printf 'v=%s s=%010d\n' "$1" "$2" >/tmp/blk
	dd if=/tmp/blk of="$(stardm path "$G" "$1")" bs=4096 seek=$(($2 % 64)) conv=sync,$3 \
		oflag=direct 2>/dev/null
}
next_seq() { s=$(cat "/tmp/seq.$1" 2>/dev/null || echo 0); echo $((s + $2)) >"/tmp/seq.$1"; echo "$s"; }
write_tags() {
	s=$(next_seq "$1" "$2") end=$(($(cat "/tmp/seq.$1")))
	while [ "$s" -lt "$end" ]; do tagged "$1" "$s" notrunc || return 1; s=$((s + 1)); done
}
write_acked() {
	s=$(next_seq "$1" "$2") end=$(($(cat "/tmp/seq.$1")))
	while [ "$s" -lt "$end" ]; do
		if [ $(((s + 1) % 8)) = 0 ] || [ $((s + 1)) = "$end" ]; then
			tagged "$1" "$s" fsync && mark "ack:$1:$s" || return 1
		else
			tagged "$1" "$s" notrunc || return 1
		fi
		s=$((s + 1))
	done
}

