# A department client in Python: pyzmq + protobuf (python3-zmq, python3-protobuf on Debian).
# Generate the message classes first:  protoc -Iproto --python_out=DIR proto/*.proto
# and put DIR on PYTHONPATH. Usage (GC_DEPT_URL, GC_DEPT_SERVER_KEY set):
#   dept_client.py KEYFILE listen N        print and acknowledge N deliveries
#   dept_client.py KEYFILE accept CASE_REF accept a case
import os, sys, zmq
import dept_pb2

def connect(url, server_public, secret_key_file):
    secret = open(secret_key_file).read().strip().encode()
    public = zmq.curve_public(secret)
    s = zmq.Context.instance().socket(zmq.DEALER)
    s.curve_serverkey = server_public.encode()
    s.curve_publickey = public
    s.curve_secretkey = secret
    s.connect(url)
    return s

def send(s, **body):
    s.send(dept_pb2.DeptClientMsg(**body).SerializeToString())

def listen(s, count):
    send(s, subscribe=dept_pb2.DeptSubscribe(from_acked=True, credit=100))
    have = 0
    while count > 0:
        if not s.poll(2000):                      # idle: keep the subscription alive
            send(s, subscribe=dept_pb2.DeptSubscribe(after_seq=have, from_acked=have == 0, credit=100))
            continue
        m = dept_pb2.DeptServerMsg.FromString(s.recv())
        if m.HasField("error"):
            sys.exit("refused: " + m.error.message)
        if m.HasField("delivery") and m.delivery.seq > have:   # drop resends by seq
            d = m.delivery
            print(d.seq, d.case_ref, dept_pb2.DeliveryReason.Name(d.reason), d.category, d.area)
            have = d.seq
            send(s, ack=dept_pb2.DeptAck(up_to_seq=have))      # taken: acknowledge
            count -= 1

def act(s, case_ref, kind, note=""):
    # unique for good: routing answers a request_id it has seen with that request's outcome
    request_id = "py-" + os.urandom(8).hex()
    send(s, action=dept_pb2.DeptAction(request_id=request_id, case_ref=case_ref,
                                       kind=kind, note=note))
    while True:
        m = dept_pb2.DeptServerMsg.FromString(s.recv())
        if m.HasField("reply") and m.reply.request_id == request_id:
            return m.reply.error.message if m.reply.HasField("error") else "ok"

if __name__ == "__main__":
    s = connect(os.environ["GC_DEPT_URL"], os.environ["GC_DEPT_SERVER_KEY"], sys.argv[1])
    if sys.argv[2] == "listen":
        listen(s, int(sys.argv[3]))
    elif sys.argv[2] == "accept":
        print(act(s, sys.argv[3], dept_pb2.DEPT_ACTION_KIND_ACCEPT, "accepted from Python"))
