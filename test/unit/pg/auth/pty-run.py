# Test helper: runs a command on a new pseudo-terminal (its controlling terminal), waits for
# "Password: " on the screen, types argv[1] (a JSON string), then prints as JSON everything
# the terminal showed. Usage: python3 pty-run.py '"keys\r"' command args...
import json, os, pty, select, sys, time

keys = json.loads(sys.argv[1]).encode('utf-8')
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

screen = b''
typed = False
deadline = time.time() + 20
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 0.1)
    if ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        screen += data
    if not typed and b'Password: ' in screen:
        time.sleep(0.2)  # let the program switch the terminal to raw mode first
        os.write(fd, keys)
        typed = True
_, status = os.waitpid(pid, 0)
print(json.dumps({'screen': screen.decode('utf-8', 'replace'), 'typed': typed,
                  'status': os.waitstatus_to_exitcode(status)}))
