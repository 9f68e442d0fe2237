"""On-device offline store of Tsuyama Portal.

Empty on purpose: the offline store (local cache of notices and queued writes) arrives with
the sync issue (issue 4).
"""
