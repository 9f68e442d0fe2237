"""Create a P-256 key pair for `private_key_jwt` (or the signing key) and print its public JWK.

    python -m backend.identity.client_key_tool /etc/tsuyama-portal/upstream-client-key.pem
    python -m backend.identity.client_key_tool --show /etc/tsuyama-portal/upstream-client-key.pem

The private key is written with mode 0600 and never printed; the public JWK (with its RFC 7638
thumbprint as `kid`) is what the city registers with the upstream provider.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from backend.identity.keys import SigningKey


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.identity.client_key_tool",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="PEM file of the private key")
    parser.add_argument("--show", action="store_true",
                        help="only print the public JWK of an existing key")
    args = parser.parse_args(argv)
    if not args.show and args.path.exists():
        print(f"{args.path} exists; use --show to print its public key", file=sys.stderr)
        return 1
    try:
        key = SigningKey.load_or_create(args.path, create=not args.show)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"keys": [key.public_jwk()]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
