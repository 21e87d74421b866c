# Guest side of tests/vm/run-cluster: serve commands from the host over the
# virtio-serial port until told to stop.  Request: "<id> <base64 command>";
# reply: the command's output (stdout and stderr) in base64, then
# "@@DONE <id> <exit status>".
i=0
while [ -z "$(ls /dev/vport*p1 2>/dev/null)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(ls /dev/vport*p1 | head -1)
exec 3<>"$port"
echo "agent on $(hostname): ready on $port"
echo "@@READY" >&3
while read -r id cmd <&3; do
	[ "$id" = stop ] && break
	echo "$cmd" | base64 -d >/tmp/agent.cmd 2>/dev/null
	sh /tmp/agent.cmd >/tmp/agent.out 2>&1 </dev/null 3>&-
	rc=$?
	{ base64 </tmp/agent.out; echo "@@DONE $id $rc"; } >&3
done
echo "agent on $(hostname): stopping"
