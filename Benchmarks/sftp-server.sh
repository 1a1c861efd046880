#!/usr/bin/env bash
# A throwaway OpenSSH server on loopback for the SFTP figures (compare.sh --sftp), set up as
# the tests' SSHServer does: its own host and user keys, an sshd_config in DIR, a free port,
# the sftp subsystem, only the key in DIR let in, as the user running this.
#
#   Benchmarks/sftp-server.sh start DIR   # starts sshd; DIR/ssh-command is then the ssh command
#                                         # line (without -s sftp) that reaches it, DIR/port its port
#   Benchmarks/sftp-server.sh stop DIR
set -euo pipefail

action=${1:-}; dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
case "$action" in
    stop)
        [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
        exit 0 ;;
    start) ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
[ -x /usr/sbin/sshd ] || { echo "sftp-server.sh: needs /usr/sbin/sshd (apt-get install openssh-server)" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir"/host_key* "$dir"/user_key*
ssh-keygen -q -t ed25519 -N '' -C bench-host -f "$dir/host_key"
ssh-keygen -q -t ed25519 -N '' -C bench-user -f "$dir/user_key"
cp "$dir/user_key.pub" "$dir/authorized_keys"
echo "bench-sshd $(cat "$dir/host_key.pub")" > "$dir/known_hosts"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=$(id -un)
[ "$(id -u)" != 0 ] || mkdir -p /run/sshd   # root's sshd needs its privilege separation directory
cat > "$dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
PidFile $dir/sshd.pid
Subsystem sftp internal-sftp
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers $user
CONFIG
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
echo "$port" > "$dir/port"
echo "ssh -F /dev/null -o UserKnownHostsFile=$dir/known_hosts -o GlobalKnownHostsFile=/dev/null -o HostKeyAlias=bench-sshd" \
     "-o IdentityFile=$dir/user_key -o IdentitiesOnly=yes -o BatchMode=yes -p $port $user@127.0.0.1" > "$dir/ssh-command"
