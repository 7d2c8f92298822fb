# gdb commands for ruvix-pi: the process table, read from kernel memory.
#
#   (gdb) source tools/gdb/ruvix.py
#   (gdb) ruvix processes        (or `ruvix tasks`, the same)
#
# Like Humility's `tasks` for Hubris: every component runs in an EL0 process of its own, and
# the command prints, per process, what the kernel knows (its state, ASID, restarts, ticks
# used and the counts it keeps: slices, preemptions, waits, supervisor calls, log lines,
# faults) beside what the scheduler (`ruvix_sched`) knows (priority, task state, component
# state), from a halted target (QEMU's gdb server, or OpenOCD / probe-rs on a board).
#
# The tables live on the kernel heap; the kernel publishes where with one static,
# `RUVIX_SYSTEM` (firmware/kernel/src/boot/mod.rs), set when the scheduler starts: it points at
# stage 3's `System`, whose `processes` (firmware/kernel/src/process/mod.rs) holds the
# processes and the scheduler. Fields are looked up by name from the ELF's debug info, so a
# field that moves inside a struct does not break the command; one that is renamed shows as
# `?`.
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


def kernel_state(value):
    """The kernel's process `State`; `Waiting` with its wait words: `Waiting[2,5]`."""
    text = short(value)
    if not text.startswith("Waiting"):
        return text
    # gdb shows a Rust enum value as a struct whose one named field is the active variant;
    # `Waiting`'s one field (`__0`) is the vector of wait words.
    vec = _path(value, "Waiting", "__0")
    try:
        words = vec_items(vec) if vec is not None else None
    except (gdb.error, TypeError, RuntimeError):
        words = None
    if words is None:
        return "Waiting"
    return "Waiting[%s]" % ",".join(str(int(w)) for w in words)


def task_state(value):
    """The scheduler's task state; a sleep without deadline (a `wait` with none) as
    `Sleeping{until:never}`."""
    return short(value).replace("until:%d}" % (2**64 - 1), "until:never}")


def _at(items, index):
    return items[index] if index is not None and 0 <= index < len(items) else None


COLUMNS = [
    # (header, width, left-aligned)
    ("id", 3, True), ("name", 12, True), ("asid", 4, False), ("prio", 4, False),
    ("state", 14, True), ("task", 28, True), ("component", 24, True),
    ("restarts", 8, False), ("ticks", 12, False), ("slices", 8, False),
    ("preempted", 9, False), ("waits", 8, False), ("calls", 9, False), ("log", 11, False),
    ("faults", 6, False),
]


def _row(cells):
    return "  " + " ".join(
        ("%-*s" if left else "%*s") % (width, cell)
        for cell, (_, width, left) in zip(cells, COLUMNS)).rstrip()


def print_processes():
    system = running_system()
    if system is None:
        print("ruvix: the scheduler has not started yet (%s is null): stop after "
              "`stage 4 attest: ok`" % SYSTEM_SYMBOL)
        return
    processes = _field(system, "processes")
    scheduler = _field(processes, "scheduler")
    table = vec_items(_field(processes, "processes"))
    sched_tasks = vec_items(_field(scheduler, "tasks"))
    sched_components = vec_items(_field(scheduler, "components"))

    print("ruvix: %d processes, %s slices" % (len(table), number(_field(scheduler, "slices"))))
    print(_row([header for header, _, _ in COLUMNS]))
    for position, process in enumerate(table):
        # The process's scheduler task (`TaskId(n)`), and that task's component.
        task_id = _path(process, "task", "__0")
        task = _at(sched_tasks, None if task_id is None else int(task_id))
        component_index = _field(task, "component")
        if component_index is None:
            component_index = _field(process, "index")
        component = _at(sched_components,
                        None if component_index is None else int(component_index))
        index = _field(process, "index")
        stats = _field(process, "stats")
        restarts = _field(process, "restarts")
        if restarts is None:
            restarts = _field(component, "restarts")
        ticks = _field(process, "used_ticks")
        if ticks is None:
            ticks = _field(component, "used_ticks")
        log = "%s/%s" % (number(_field(stats, "log_lines")), number(_field(stats, "log_dropped")))
        print(_row([
            position if index is None else int(index),
            rust_string(_field(process, "name")),
            number(_path(process, "space", "asid")),
            number(_field(task, "priority")),
            kernel_state(_field(process, "state")),
            task_state(_field(task, "state")),
            short(_field(component, "state")),
            number(restarts),
            number(ticks),
            number(_field(stats, "slices")),
            number(_field(stats, "preempted")),
            number(_field(stats, "waits")),
            number(_field(stats, "calls")),
            log,
            number(_field(stats, "faults")),
        ]))


class Ruvix(gdb.Command):
    """ruvix-pi commands: `ruvix processes` (alias `ruvix tasks`) prints the process table."""

    def __init__(self):
        super().__init__("ruvix", gdb.COMMAND_USER, gdb.COMPLETE_NONE, True)


class RuvixProcesses(gdb.Command):
    """Print every process from kernel memory: id, name, ASID, priority, the kernel's state,
the scheduler's task and component states, restarts, ticks used, slices, preemptions, waits,
supervisor calls, log lines kept/dropped and faults."""

    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_USER)

    def invoke(self, argument, from_tty):
        try:
            print_processes()
        except gdb.MemoryError as error:
            # Stopped at EL0, the process's table is live and the kernel's pages are not
            # readable through it.
            raise gdb.GdbError("ruvix: %s: stop the target in the kernel, not inside a process "
                               "(e.g. `break *__el0_run`, `continue`)" % error)


Ruvix()
RuvixProcesses("ruvix processes")
# The name the command had when components were tasks of one in-kernel runtime.
RuvixProcesses("ruvix tasks")
