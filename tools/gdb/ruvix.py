# gdb commands for ruvix-pi: the component and task tables, read from kernel memory.
#
#   (gdb) source tools/gdb/ruvix.py
#   (gdb) ruvix tasks
#
# Like Humility's `tasks` for Hubris: what the scheduler knows about every component (state,
# restarts, policy) and every task (entry point, priority, state, slices, fuel, preemptions,
# yields, blocks, sleeps, faults), from a halted target (QEMU's gdb server, or OpenOCD /
# probe-rs on a board).
#
# The tables live on the kernel heap; the kernel publishes where with one static,
# `RUVIX_SYSTEM` (firmware/kernel/src/boot/mod.rs), set when the scheduler starts. Fields are
# looked up by name from the ELF's debug info, so a field that moves inside a struct does not
# break the command; one that is renamed shows as `?`.
import re

import gdb

SYSTEM_SYMBOL = "RUVIX_SYSTEM"


def _field(value, name):
    """value.name, or None if the type has no such field."""
    try:
        if any(f.name == name for f in value.type.strip_typedefs().fields()):
            return value[name]
    except (gdb.error, TypeError):
        pass
    return None


def _path(value, *names):
    for name in names:
        if value is None:
            return None
        value = _field(value, name)
    return value


def _first_pointer(value, depth=0):
    """The first raw pointer inside value (a Vec's buffer: RawVec → Unique → NonNull → ptr)."""
    t = value.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        return value
    if depth > 8 or t.code not in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        return None
    for f in t.fields():
        if f.name is None or f.artificial:
            continue
        found = _first_pointer(value[f.name], depth + 1)
        if found is not None:
            return found
    return None


def vec_items(vec):
    """The elements of an alloc::vec::Vec<T>."""
    if vec is None:
        return []
    length = int(_field(vec, "len"))
    if length == 0:
        return []
    element = vec.type.strip_typedefs().template_argument(0)
    pointer = _first_pointer(_field(vec, "buf")).cast(element.pointer())
    return [(pointer + i).dereference() for i in range(length)]


def rust_string(value):
    """An alloc::string::String as a Python str."""
    vec = _field(value, "vec")
    if vec is None:
        return "?"
    length = int(_field(vec, "len"))
    if length == 0:
        return ""
    pointer = _first_pointer(_field(vec, "buf"))
    data = gdb.selected_inferior().read_memory(pointer, length).tobytes()
    return data.decode("utf-8", "replace")


def short(value):
    """A value as gdb prints it, without module paths: `Running`, `RestartPending{at:5}`."""
    if value is None:
        return "?"
    text = re.sub(r"\b(?:[A-Za-z_][A-Za-z0-9_]*::)+", "", str(value))
    # No blanks, so every value is one column: `Sleeping{until:159838362}`.
    return re.sub(r"\s+", "", text)


def number(value):
    return "?" if value is None else str(int(value))


def running_system():
    # The debug-info symbol carries the type (the bare linker symbol has none); the kernel
    # crate is the binary `kernel`.
    symbol = gdb.lookup_global_symbol("kernel::boot::" + SYSTEM_SYMBOL)
    if symbol is None:
        raise gdb.GdbError("ruvix: no %s in this ELF: is it a ruvix-pi kernel.elf?" % SYSTEM_SYMBOL)
    pointer = _first_pointer(symbol.value())
    if pointer is None or int(pointer) == 0:
        return None
    return pointer.dereference()


def print_tasks():
    system = running_system()
    if system is None:
        print("ruvix: the scheduler has not started yet (%s is null): stop after "
              "`stage 4 attest: ok`" % SYSTEM_SYMBOL)
        return
    runtime = _field(system, "runtime")
    scheduler = _field(runtime, "scheduler")
    components = vec_items(_field(runtime, "components"))
    sched_components = vec_items(_field(scheduler, "components"))
    tasks = vec_items(_field(runtime, "tasks"))
    sched_tasks = vec_items(_field(scheduler, "tasks"))

    print("ruvix: %d components, %d tasks, %s slices"
          % (len(components), len(tasks), number(_field(scheduler, "slices"))))
    print("components:")
    print("  %-3s %-16s %-28s %-8s %-12s %s" % ("id", "name", "state", "restarts", "ticks used",
                                                "policy"))
    names = []
    for index, component in enumerate(components):
        name = rust_string(_field(component, "name"))
        names.append(name)
        sched = sched_components[index] if index < len(sched_components) else None
        print("  %-3d %-16s %-28s %-8s %-12s %s" % (
            index, name, short(_field(sched, "state")), number(_field(sched, "restarts")),
            number(_field(sched, "used_ticks")), short(_field(component, "policy"))))
    print("tasks:")
    print("  %-3s %-24s %-4s %-30s %8s %12s %9s %8s %10s %7s %6s" % (
        "id", "task", "prio", "state", "slices", "fuel", "preempted", "yields",
        "blocked", "sleeps", "faults"))
    for index, task in enumerate(tasks):
        component = _field(task, "component")
        owner = names[int(component)] if component is not None and int(component) < len(names) else "?"
        label = "%s.%s" % (owner, rust_string(_field(task, "export")))
        sched = sched_tasks[index] if index < len(sched_tasks) else None
        stats = _field(task, "stats")
        blocked = "%s/%s" % (number(_field(stats, "blocked_send")),
                             number(_field(stats, "blocked_receive")))
        print("  %-3d %-24s %-4s %-30s %8s %12s %9s %8s %10s %7s %6s" % (
            index, label, number(_field(sched, "priority")), short(_field(sched, "state")),
            number(_field(stats, "slices")), number(_field(stats, "fuel")),
            number(_field(stats, "preempted")), number(_field(stats, "yields")), blocked,
            number(_field(stats, "sleeps")), number(_field(stats, "faults"))))


class Ruvix(gdb.Command):
    """ruvix-pi commands: `ruvix tasks` prints the component and task tables."""

    def __init__(self):
        super().__init__("ruvix", gdb.COMMAND_USER, gdb.COMPLETE_NONE, True)


class RuvixTasks(gdb.Command):
    """Print every component (state, restarts, restart policy) and every task (priority,
state, slices, fuel, preemptions, yields, blocked send/receive, sleeps, faults) from kernel
memory."""

    def __init__(self):
        super().__init__("ruvix tasks", gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        print_tasks()


Ruvix()
RuvixTasks()
