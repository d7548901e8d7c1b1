"""Helpers of bench/peer_bench.py: the workload, the two servers, and one driver per system measured."""
