"""The energy of one task, attributed to its own processes rather than to the machine.

A measuring stage used to book whatever the whole machine drew during its window:
other tenants of a shared worker counted as the task's energy, and on a host without
counters the figure was a model of the machine (CPU load x TDP, RAM as a constant).
This package holds the pieces that attribute energy to the task itself, following how
Scaphandre and Kepler share a node's counters out to processes and containers, and
how Zeus reads a GPU's energy counter over a window:

* :mod:`lca.energy.cpu_time`: CPU time of the task's process tree, of its cgroup and
  of the whole machine: the shares that a counter's energy is split by.
* :mod:`lca.energy.powercap`: the RAPL counters of the Linux powercap interface
  (package and DRAM domains), with the counter's wrap-around handled.
* :mod:`lca.energy.gpus`: the GPUs the task can see (``CUDA_VISIBLE_DEVICES``, indices
  or UUIDs) mapped to NVML's physical devices, and their total-energy counters.
* :mod:`lca.energy.attribution`: turning a window's counter readings and CPU times into
  the task's energy: its marginal (dynamic) energy per CPU-second, estimated from the
  samples so that a neighbour's load is not booked to the task.

Everything here is pure Python over files and an NVML-like object, so it is tested
against fake powercap trees and a fake NVML on machines that have neither.
"""
