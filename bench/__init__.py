"""The benchmark: speed, memory and scale beside a naive baseline (`python -m bench`)."""
