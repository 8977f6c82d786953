# %% [markdown] slideshow={"slide_type": "slide"}
# # 99 · Scratch
#
# <!-- nav:start -->
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ml-course-org/ml-course/blob/main/notebooks/99_scratch.ipynb) · [Slides](../slides/99_scratch.slides.html)
# <!-- nav:end -->
#
# **Time:** smoke ≈ 5 s · workshop ≈ 5 s · full ≈ 5 s

# %% tags=["setup"] slideshow={"slide_type": "skip"}
# Setup: the same cell in every notebook (written by tools/nav.py). It finds the course folder
# (in Colab it clones the course first), then checks packages, seeds, and picks the device and mode.
import os
import subprocess
import sys
from pathlib import Path

REPO_URL = "https://github.com/ml-course-org/ml-course"
if "google.colab" in sys.modules:
    ROOT = Path(os.environ.get("COURSE_ROOT", "/content/ml-course"))
    if not (ROOT / "utils").exists():
        subprocess.run(["git", "clone", "--depth", "1", os.environ.get("COURSE_REPO_URL", REPO_URL), str(ROOT)], check=True)
else:
    ROOT = next((p for p in [Path.cwd(), *Path.cwd().parents] if (p / "utils" / "__init__.py").exists()), None)
    assert ROOT, "Start Jupyter inside the course folder (the one holding utils/), e.g. with `make lab`."
sys.path.insert(0, str(ROOT))
import utils

ctx = utils.setup("99_scratch")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Math
# $$\hat y = w x + b$$ and inline $x^2$

# %%
x = ctx.pick(smoke=1, workshop=2, full=3)
ctx.log_metric("x", x, target=1, key=True)
ctx.save_metrics()
