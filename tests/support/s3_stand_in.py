"""A loopback S3 stand-in for the tests: moto's server on the given port, with the bucket
`cuentas-test` created. Prints "ready" once it answers; stops when its standard input closes
(the test process ended), so no server outlives the tests."""

import sys
import urllib.request

from moto.server import ThreadedMotoServer

port = int(sys.argv[1])
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
request = urllib.request.Request(f"http://127.0.0.1:{port}/cuentas-test", method="PUT")
urllib.request.urlopen(request).read()
print("ready", flush=True)
sys.stdin.read()
server.stop()
