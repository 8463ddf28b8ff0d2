"""Every upper bound on what a study file may ask for, in one place, each with the reason for it.

A study is data typed by analysts and, through Airflow's trigger form, by anyone who
may trigger a DAG. A number nobody would write on purpose (an energy window of
``.inf`` seconds, ``10**12`` epochs, ``10**30`` items) must be refused when the file is
validated, not discovered when a worker has been busy for a day. Each bound below is
far above what a real study needs (the reason says how far) and low enough that the
work it allows is finite: a run the bounds allow can still be long, but never endless.
Non-finite floats (``.inf``, ``.nan``) are refused everywhere (``allow_inf_nan=False``
in every schema model), and counts are strict integers, so ``items: true`` is not 1.

docs/byo.md lists these bounds for users; tests/study/test_limits.py checks that every
number of the schema has one.
"""

from __future__ import annotations

# --- the study file itself (lca.study.bounded_yaml) ------------------------------------
# The built-in studies are 2-5 KB; 1 MiB is 200 times that and still parses in a blink.
YAML_MAX_BYTES = 1024 * 1024
# The deepest built-in field (compression.N.steps.M.student.hidden.K) is 6 levels down.
YAML_MAX_DEPTH = 32
# No built-in study uses aliases; a few are handy to repeat an inline parameter.
YAML_MAX_ALIASES = 100
# A built-in study is about 300 YAML nodes; an alias bomb is 10**9 once expanded.
YAML_MAX_EXPANDED_NODES = 100_000

# --- functional unit and data -------------------------------------------------------------
# The busiest public services handle about 10**13 requests a year; 10**15 is 100 times that.
MAX_ITEMS = 10**15
# Generated datasets are built in memory: 100 times the built-in fraud study's 20,000 rows.
MAX_GENERATED_ROWS = 2_000_000
# A subsample of a user's file; a billion rows is beyond any table this project can train on.
MAX_ROWS = 10**9
# numpy and torch seeds are unsigned 32-bit integers.
MAX_SEED = 2**32 - 1
# A user's data file is read by lca-ml validate and the DAG: 2 GiB is far above a tabular set
# this CPU pipeline can train on, and keeps a mistyped path to a disk image from being read.
MAX_DATA_FILE_BYTES = 2 * 1024**3
# Columns of a user's data file (features + target): far above any tabular model here.
MAX_COLUMNS = 10_000

# --- models and training ------------------------------------------------------------------
# Small CNN channels / hidden width: the built-in studies use 4-64.
MAX_CNN_CHANNELS = 256
MAX_HIDDEN_UNITS = 8192
# MLP depth: the built-in studies use 1-3 hidden layers.
MAX_MLP_LAYERS = 64
# k-means restarts beyond this change nothing but the run time.
MAX_KMEANS_RESTARTS = 100
# Training, fine-tuning and distillation epochs: the built-in studies use 1-40.
MAX_EPOCHS = 1000
# Batch sizes (training, energy window, latency): the built-in studies use 1-512.
MAX_BATCH_SIZE = 65_536
# Items a static quantization is calibrated on: the built-in studies use 256-512.
MAX_CALIBRATION_ITEMS = 100_000
# Rank kept by a low-rank factorisation: bounded by the widest layer above.
MAX_RANK = MAX_HIDDEN_UNITS
# Distillation temperature: the literature uses 1-20.
MAX_TEMPERATURE = 100.0
# Compression variants per study: each is an Airflow task and a benchmark window (digits: 8).
MAX_VARIANTS = 32
# Steps of a combined variant (digits: 2).
MAX_COMBINED_STEPS = 8
# Keyword arguments of a custom model factory: plain data, a few knobs.
MAX_FACTORY_KWARGS = 64

# --- benchmarks ---------------------------------------------------------------------------
# Energy and idle windows: CodeCarbon samples once a second, the built-in studies use 5-10 s;
# an hour is 360 times that and keeps a benchmark task finite.
MAX_WINDOW_SECONDS = 3600.0
# Timed latency runs and untimed warm-up runs per batch size (built-in: 3-30 and 5).
MAX_LATENCY_REPEATS = 10_000
# An energy window split into more parts than this leaves each part too short to resolve anyway.
MAX_ENERGY_WINDOWS = 100
# Declared precision of energy per item: the 95 % interval's half-width relative to the
# mean. Below 1 % the window-to-window noise of a shared machine is never reached; above
# 100 % the interval includes zero and says nothing.
MIN_ENERGY_PRECISION = 0.01
MAX_ENERGY_PRECISION = 1.0
# Time cap of the repeated energy windows of one variant: as long as the longest window
# repeated the most windows allowed, so that a cap never cuts a declared window short.
MAX_ENERGY_TIME_CAP_SECONDS = MAX_WINDOW_SECONDS * MAX_ENERGY_WINDOWS
# A window measured again because foreign load contaminated it (lca.ml.benchmarking).
MAX_ENERGY_REMEASURES = 3
# Windows of one series (a variant's repeated energy windows) measured again because foreign load may have
# changed the task's CPU time (lca.energy.contention): a neighbour that outlasts three windows is there to
# stay, and measuring beside it again only lengthens the run; later contended windows are kept and flagged.
MAX_CONTENDED_REMEASURES = 3
# Declared error rate of the benchmark verdicts (lca.ml.significance): below 0.1 % a verdict
# needs at least 11 interleaved pairs and a shared machine rarely holds still that long; above
# 20 % one verdict in five on identical models would call a difference.
MIN_ALPHA = 0.001
MAX_ALPHA = 0.2
# Practical margin of the 'fastest' runtime choice (benchmark.runtime_margin, lca.ml.runtimes.selection):
# a candidate must need significantly less than margin x eager's CPU time per call. 1 is no margin at
# all; below 0.5 a runtime that halves the CPU time would still be refused, which is no longer a margin
# against near-ties but a refusal of other runtimes (name deployment.runtime: eager for that).
MIN_RUNTIME_MARGIN = 0.5
MAX_RUNTIME_MARGIN = 1.0
MAX_WARMUP = 1_000
# Batch sizes the latency is timed at (built-in: 2).
MAX_LATENCY_BATCH_SIZES = 16
# Batch sizes of the optional energy sweep (benchmark.energy_batch_sizes): each is its own set of
# repeated energy windows (up to energy_time_cap each), so a few keep a variant's sweep to minutes.
MAX_ENERGY_BATCH_SIZES = 4
# torch intra-op threads: more than any single server has cores.
MAX_THREADS = 1024
# Runtimes a variant is benchmarked in: there are four (lca.ml.runtimes), each named once.
MAX_RUNTIMES = 4
# Thread counts swept (built-in: 1 and all cores); each is a latency series per batch size.
MAX_THREAD_SETTINGS = 8
# Latency series per variant = runtimes x thread settings x batch sizes: 64 keeps a variant's sweep to
# minutes even at 30 repeats of a large batch (digits with 3 runtimes x 2 x 2 = 12).
MAX_SWEEP_SERIES = 64

# --- routing, quality, LCA ---------------------------------------------------------------
# Relative error above which a person redoes a regression item: 100 = 10,000 %.
MAX_ERROR_TOLERANCE = 100.0
# Quality loss in primary-metric units (MAE is in the target's unit, e.g. MW): no real limit
# comes near 10**12, and it keeps the comparison arithmetic finite.
MAX_QUALITY_LOSS = 1e12
# A recommended list longer than this is not a recommendation any person reads.
MAX_TOP_K = 1000
# Impact methods per study: the offline project offers 762, a study names a handful.
MAX_IMPACT_METHODS = 64
# Training runs per model build (search trials) and builds per period (once a minute for a year
# is 525,600): multipliers of measured energy, bounded so the products stay meaningful.
MAX_SEARCH_TRIALS = 100_000
MAX_RETRAININGS = 1_000_000
# GPUs per server and devices per person.
MAX_GPUS = 1024
MAX_DEVICES = 64
# Uncertain inputs named for the tornado chart.
MAX_TORNADO_PARAMETERS = 500
# Monte Carlo draws (also a bound in lca.study.life_cycle): 10**6 x scenarios x methods stays
# within a worker's memory; the built-in studies use 2,000.
MAX_MONTE_CARLO = 1_000_000

# --- cited figures (lca.study.reference_data.Parameter, lca.uncertainty.Uncertainty) -------
# Any figure in any unit: the largest in include/data is 2,200 (hours per year); 10**15 also
# covers a figure typed in a small unit (mWh, mg) and refuses a typo of 20 extra zeros.
MAX_ABS_FIGURE = 1e15
# Publication years of sources.
MIN_YEAR, MAX_YEAR = 1900, 2100
# Geometric standard deviation: ecoinvent's widest pedigree spreads stay below 10.
MAX_GSD = 100.0
# Relative standard deviation of a normal uncertainty (1 = 100 %).
MAX_RELATIVE_SD = 10.0
# Power usage effectiveness: 1 is ideal, the worst surveyed data centres are near 3.
MIN_PUE, MAX_PUE = 1.0, 5.0

# --- hourly grid-intensity profiles (lca.study.grid_profile) -------------------------------
# A profile is read by lca-ml validate and by the inventory task, streamed line by line.
# A year of 5-minute rows (WattTime) is 105,120 rows, 105,408 in a leap year; ENTSO-E's
# generation per production type at 15 minutes is 35,136 rows of about 25 columns. The row
# limit leaves 14 % above the leap year of 5-minute rows; the byte limit allows 600 bytes per
# row at that count (an ENTSO-E per-type row is about 250), and refuses a 270 MB or 2 GiB
# file from its size alone, before a byte of it is read.
GRID_PROFILE_MAX_ROWS = 120_000
GRID_PROFILE_MAX_BYTES = 64 * 1024**2
# One line: the widest real header (ENTSO-E per production type, about 25 columns of about
# 50 characters) is about 1.3 KB; a file with no line breaks is refused at this length.
GRID_PROFILE_MAX_LINE_BYTES = 16 * 1024
# Upper bound of any hourly carbon intensity, in g CO2e per kWh. The highest life-cycle
# figures the IPCC reviews for any generation type are for coal: median 820, maximum 910
# (pulverised coal, IPCC AR5 WG3 Annex III, Schloemer et al. 2014, Table A.III.2) and a
# literature maximum of about 1,700 for the worst coal plants in the wider review of IPCC
# SRREN (2011) Annex II (as recalled: that table could not be opened offline here). Lignite
# and oil-shale plants, the dirtiest grids' marginal units, stay near 1,100-1,300 direct.
# 2,000 leaves margin above all of them: a grid cannot be dirtier than its dirtiest plant,
# and a value above it is a unit slip (kg/MWh is g/kWh; lbs/MWh is 0.4536 g/kWh) or a typo.
GRID_MAX_G_CO2E_PER_KWH = 2000.0
# The other categories a profile may carry, per kWh, each far above the largest national
# figure in include/data/grid_impacts.csv (minerals 2.7e-7 kg Sb-eq, fossils 23 MJ, water
# 0.019 m3): fossils 50 MJ is 3.6 MJ of electricity at 7 % efficiency, below any plant's;
# minerals 1e-4 is 400 times the largest; water 1 m3 is 50 times the largest (reservoir
# evaporation allocated to hydropower is the widest figure in Macknick et al. 2012).
GRID_MAX_PER_KWH = {"minerals": 1e-4, "fossils": 50.0, "water": 1.0}
# Gaps between known hours that are filled by linear interpolation (and flagged); a longer
# gap is refused: three hours is shorter than any day-night swing the profile is for.
GRID_PROFILE_MAX_GAP_HOURS = 3
# Generation of one production type in one interval (ENTSO-E exports, MW): the whole ENTSO-E
# area peaks near 600 GW; 10**7 MW is 15 times that.
GRID_MAX_MW = 1e7
