"""Where the project's own folders are: the one place a path is worked out from this file."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Things this machine makes and can make again (models, ONNX copies, evaluation indexes); git ignores it.
CACHE_DIR = ROOT / ".cache"
