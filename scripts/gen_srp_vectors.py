#!/usr/bin/env python3
"""Fixed SRP test vectors for cognito_auth::srp, computed by an independent implementation:
pycognito's AWSSRP (pip install pycognito==2024.5.1), with its randomness and clock pinned.

    python3 -m venv /tmp/pyc && /tmp/pyc/bin/pip install pycognito==2024.5.1
    /tmp/pyc/bin/python scripts/gen_srp_vectors.py > crates/cognito-auth/tests/fixtures/srp_vectors.json

The server side (B from a verifier and a chosen b) uses pycognito's own helpers. Nothing here
is used by the build or the tests except the JSON it prints, which is committed.
"""
import base64
import datetime
import json
import random

import pycognito
import pycognito.aws_srp as srp

assert pycognito.__version__ if hasattr(pycognito, "__version__") else True

N = srp.hex_to_long(srp.N_HEX)
G = srp.hex_to_long(srp.G_HEX)
K = srp.hex_to_long(srp.hex_hash("00" + srp.N_HEX + "0" + srp.G_HEX))

rng = random.Random(20261122)


def rand_int(nbytes):
    return rng.getrandbits(nbytes * 8)


class FixedDatetime(datetime.datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


class FixedDatetimeModule:
    pass


FixedDatetimeModule.datetime = FixedDatetime
FixedDatetimeModule.timezone = datetime.timezone


srp.datetime = FixedDatetimeModule


def server_b(x, b):
    v = pow(G, x, N)
    return (K * v + pow(G, b, N)) % N


def password_case(i, pool_id, username, password, client_id, client_secret, when):
    small_a = rand_int(128) % N
    b = rand_int(32)
    # Salts with a high first nibble exercise pad_hex's "00" prefix; odd lengths its "0".
    salt_hex = srp.long_to_hex(rand_int(16) | (1 << 127)) if i % 2 == 0 else srp.long_to_hex(rand_int(15))
    secret_block = bytes(rng.getrandbits(8) for _ in range(64 + i))
    orig = srp.AWSSRP.generate_random_small_a
    srp.AWSSRP.generate_random_small_a = lambda self: small_a
    try:
        aws = srp.AWSSRP(username=username, password=password, pool_id=pool_id,
                         client_id=client_id, client_secret=client_secret, client=object())
    finally:
        srp.AWSSRP.generate_random_small_a = orig
    # x exactly as the client derives it, to build a consistent server B.
    up = f"{pool_id.split('_')[1]}{username}:{password}"
    x = srp.hex_to_long(srp.hex_hash(srp.pad_hex(salt_hex) + srp.hash_sha256(up.encode("utf-8"))))
    big_b = server_b(x, b)
    u = srp.calculate_u(aws.large_a_value, big_b)
    hkdf = aws.get_password_authentication_key(username, password, big_b, salt_hex)
    FixedDatetime.fixed = when
    resp = aws.process_challenge(
        {"USER_ID_FOR_SRP": username, "SALT": salt_hex, "SRP_B": srp.long_to_hex(big_b),
         "SECRET_BLOCK": base64.standard_b64encode(secret_block).decode(), "USERNAME": username},
        {"USERNAME": username},
    )
    return {
        "pool_id": pool_id, "username": username, "password": password,
        "client_id": client_id, "client_secret": client_secret,
        "small_a": srp.long_to_hex(small_a), "big_a": srp.long_to_hex(aws.large_a_value),
        "srp_b": srp.long_to_hex(big_b), "server_b_private": srp.long_to_hex(b), "salt": salt_hex,
        "u": srp.long_to_hex(u), "x": srp.long_to_hex(x), "hkdf": hkdf.hex(),
        "secret_block": base64.standard_b64encode(secret_block).decode(),
        "timestamp": resp["TIMESTAMP"], "signature": resp["PASSWORD_CLAIM_SIGNATURE"],
        "secret_hash": resp.get("SECRET_HASH"),
    }


def device_case(i, when):
    group = f"-{rng.getrandbits(40):x}"
    key = f"us-east-1_{rng.getrandbits(64):x}"
    password_bytes = bytes(rng.getrandbits(8) for _ in range(40))
    salt_int = rand_int(16)
    orig_urandom, orig_random = srp.os.urandom, srp.get_random
    srp.os.urandom = lambda n: password_bytes
    srp.get_random = lambda n: salt_int
    try:
        device_password, config = srp.generate_hash_device(group, key)
    finally:
        srp.os.urandom, srp.get_random = orig_urandom, orig_random
    # A device sign-in with those credentials.
    small_a = rand_int(128) % N
    b = rand_int(32)
    salt_hex = srp.pad_hex(salt_int)
    orig = srp.AWSSRP.generate_random_small_a
    srp.AWSSRP.generate_random_small_a = lambda self: small_a
    try:
        aws = srp.AWSSRP(username="dev-user", password="unused", pool_id="us-east-1_Dev",
                         client_id="cid", client=object(), device_key=key,
                         device_group_key=group, device_password=device_password)
    finally:
        srp.AWSSRP.generate_random_small_a = orig
    up = f"{group}{key}:{device_password}"
    x = srp.hex_to_long(srp.hex_hash(srp.pad_hex(salt_hex) + srp.hash_sha256(up.encode("utf-8"))))
    big_b = server_b(x, b)
    secret_block = bytes(rng.getrandbits(8) for _ in range(48))
    # pycognito's device path formats the time with strftime (locale-dependent); pin C locale
    # semantics by construction: the vectors use English names.
    FixedDatetime.fixed = when
    resp = aws.process_device_challenge(
        {"USERNAME": "dev-user", "SALT": salt_hex, "SRP_B": srp.long_to_hex(big_b),
         "SECRET_BLOCK": base64.standard_b64encode(secret_block).decode()}
    )
    return {
        "device_group_key": group, "device_key": key,
        "random_password_bytes": base64.standard_b64encode(password_bytes).decode(),
        "random_salt": srp.long_to_hex(salt_int),
        "device_password": device_password,
        "password_verifier": config["PasswordVerifier"], "salt_b64": config["Salt"],
        "small_a": srp.long_to_hex(small_a), "big_a": srp.long_to_hex(aws.large_a_value),
        "srp_b": srp.long_to_hex(big_b), "salt": salt_hex,
        "secret_block": base64.standard_b64encode(secret_block).decode(),
        "timestamp": resp["TIMESTAMP"], "signature": resp["PASSWORD_CLAIM_SIGNATURE"],
    }


whens = [
    datetime.datetime(2026, 3, 5, 7, 8, 9),
    datetime.datetime(2025, 12, 31, 23, 59, 59),
    datetime.datetime(2024, 2, 29, 0, 0, 0),
    datetime.datetime(2026, 11, 22, 16, 20, 2),
]
out = {
    "generator": "pycognito.aws_srp.AWSSRP 2024.5.1 (scripts/gen_srp_vectors.py)",
    "n_hex": srp.N_HEX, "g_hex": srp.G_HEX, "k": srp.long_to_hex(K),
    "timestamps": [
        {"utc": w.isoformat() + "Z", "cognito": srp.AWSSRP.get_cognito_formatted_timestamp(w)}
        for w in whens
    ],
    "password": [
        password_case(0, "us-east-1_AbCdEf123", "alice", "Correct-Horse-9!", "client1", None, whens[0]),
        password_case(1, "eu-west-1_Zz9", "3f1e5b6c-0000-4a5b-9c1d-000000000001", "pässwörd ünïcode", "c2", "s3cr3t-client", whens[1]),
        password_case(2, "ap-south-1_x", "bob+tag@example.com", "p", "c3", "another-secret", whens[2]),
        password_case(3, "us-east-1_AbCdEf123", "carol", "Sp@ces and :colons:", "client1", None, whens[3]),
        password_case(4, "us-west-2_Q", "dave", "0", "c5", "x", whens[0]),
        password_case(5, "us-east-1_Q2", "erin", "Erin-Password-123", "c6", None, whens[1]),
    ],
    "device": [device_case(i, whens[i % len(whens)]) for i in range(3)],
}
print(json.dumps(out, indent=1, ensure_ascii=False))
