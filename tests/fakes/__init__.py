"""Fakes of services outside this machine; each speaks real HTTP on 127.0.0.1."""
