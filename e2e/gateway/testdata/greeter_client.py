"""A non-Go gRPC client for the gateway tests: Debian's python3-grpcio calling
helloworld.Greeter/SayHello without generated code (the message is encoded by hand).

usage: greeter_client.py ADDR AUTHORITY NAME [KEY=VALUE metadata...]
prints "OK <reply message>" or "<STATUS_CODE_NAME> <details>"
"""
import sys

import grpc


def encode_request(name):
    data = name.encode()
    out = bytearray(b"\x0a")  # field 1 (name), wire type 2
    n = len(data)
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            break
    return bytes(out) + data


def decode_reply(data):
    # field 1 (message), length-delimited
    if not data:
        return ""
    assert data[0] == 0x0A, data[:1]
    i, shift, n = 1, 0, 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    return data[i:i + n].decode()


def main():
    addr, authority, name = sys.argv[1:4]
    metadata = [tuple(kv.split("=", 1)) for kv in sys.argv[4:]]
    channel = grpc.insecure_channel(addr, options=[("grpc.default_authority", authority)])
    call = channel.unary_unary("/helloworld.Greeter/SayHello",
                               request_serializer=encode_request,
                               response_deserializer=decode_reply)
    try:
        reply = call(name, metadata=metadata, timeout=10)
        print("OK " + reply)
    except grpc.RpcError as e:
        print(e.code().name + " " + (e.details() or ""))


if __name__ == "__main__":
    main()
