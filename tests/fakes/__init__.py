"""Local fakes of outside services for the tests (real HTTP on 127.0.0.1, no network)."""
