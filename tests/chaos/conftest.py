"""Chaos fixtures: real ``deadline-bot run`` children (the deploy tests' ``spawn``)."""

from tests.deploy.test_deploy_process import spawn

__all__ = ["spawn"]
