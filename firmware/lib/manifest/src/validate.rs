//! The checks stage 1 and `rvf pack` both run: one implementation, two ways to collect errors
//! (the first, for the firmware; all of them, for the tool).
//!
//! Every check reads the manifest through `get` and checked arithmetic, so a hostile manifest can
//! produce errors but never a panic, an overflow or an out-of-range index. When a list is longer
//! than its limit, checking stops after reporting it, so the work stays bounded.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::ops::ControlFlow;

use ruvix_board_desc::{DevicePage, InterruptLine, Owner};

use crate::board::BoardLimits;
use crate::caps::{Access, KernelCap, root_capability};
use crate::error::{
    ComponentField, Concern, Counted, End, InterruptField, ItemKind, Locator, NameClash, NameKind,
    Problem, QueueField, RegionField, RootField, SystemField, ValidationError, ValidationWarning,
    WitnessLogField,
};
use crate::limits::{
    MAX_BOARDS, MAX_COMPONENTS, MAX_ENTRY_POINTS, MAX_EXPORT_LEN, MAX_FILE_NAME_LEN,
    MAX_FUEL_SLICE, MAX_INTERRUPTS, MAX_LOG_BURST, MAX_LOG_LINES_PER_SECOND, MAX_MEMORY_PAGES,
    MAX_MESSAGE_SIZE, MAX_MIN_RUN_MS, MAX_NAME_LEN, MAX_PRIORITY, MAX_QUEUE_DEPTH, MAX_QUEUES,
    MAX_REGION_SIZE, MAX_REGIONS, MAX_RESTARTS, MAX_TIME_SLICE_MS, MAX_WITNESS_ENTRIES, PAGE_SIZE,
};
use crate::model::{
    ComponentDecl, ComponentIndex, Endpoint, InterruptDecl, RegionDecl, RegionKind, RestartPolicy,
    RvfManifest, WiringPolicy,
};

/// `Break` when the collector wants no more errors, or checking cannot go on.
type Flow = ControlFlow<()>;

impl RvfManifest {
    /// Checks the manifest against `board` and returns the first problem found.
    ///
    /// This is what stage 1 runs on a decoded manifest before anything is built from it; `rvf
    /// pack` runs the same checks through [`RvfManifest::validate_all`].
    pub fn validate(&self, board: &BoardLimits) -> Result<(), ValidationError> {
        let mut first = None;
        let _ = Checker::new(self, board, &mut |error| {
            first = Some(error);
            ControlFlow::Break(())
        })
        .run();
        match first {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Checks the manifest against `board` and returns every problem found (empty: valid).
    pub fn validate_all(&self, board: &BoardLimits) -> Vec<ValidationError> {
        let mut all = Vec::new();
        let _ = Checker::new(self, board, &mut |error| {
            all.push(error);
            ControlFlow::Continue(())
        })
        .run();
        all
    }
}

/// Whether `name` is a valid system, component, region, queue or port name:
/// 1..=32 characters of `a-z 0-9 _ -`, starting with a letter.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() <= MAX_NAME_LEN
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

/// Whether `name` is a valid wasm file name: a plain file name ending in `.wasm`.
pub fn is_valid_wasm_file(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() <= MAX_FILE_NAME_LEN
        && name.len() > ".wasm".len()
        && name.ends_with(".wasm")
        && !name.starts_with('.')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `name` is a valid export name: 1..=64 printable ASCII characters, no spaces.
pub fn is_valid_export(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_EXPORT_LEN && name.bytes().all(|b| b.is_ascii_graphic())
}

struct Checker<'a, 'b> {
    m: &'a RvfManifest,
    board: &'a BoardLimits,
    sink: &'b mut dyn FnMut(ValidationError) -> Flow,
}

impl<'a, 'b> Checker<'a, 'b> {
    fn new(
        m: &'a RvfManifest,
        board: &'a BoardLimits,
        sink: &'b mut dyn FnMut(ValidationError) -> Flow,
    ) -> Self {
        Checker { m, board, sink }
    }

    fn run(&mut self) -> Flow {
        self.check_system()?;
        self.check_components()?;
        self.check_regions()?;
        self.check_queues()?;
        self.check_interrupts()?;
        self.check_wiring()?;
        self.check_root()?;
        self.check_witness_log()?;
        self.check_ram_budget()
    }

    fn report(&mut self, locator: Locator, problem: Problem) -> Flow {
        let subject = self.subject(locator);
        (self.sink)(ValidationError {
            locator,
            subject,
            problem,
        })
    }

    /// Reports a list that is too long, and stops checking: everything after would be
    /// unbounded work on a hostile manifest.
    fn too_many(&mut self, locator: Locator, what: Counted, count: usize, max: usize) -> Flow {
        let _ = self.report(locator, Problem::TooMany { what, count, max });
        ControlFlow::Break(())
    }

    fn subject(&self, locator: Locator) -> String {
        let name = match locator {
            Locator::System(_) => Some(&self.m.system),
            Locator::Component(i, _) => self.m.components.get(i).map(|c| &c.name),
            Locator::Region(i, _) => self.m.regions.get(i).map(|r| &r.name),
            Locator::Queue(i, _) => self.m.queues.get(i).map(|q| &q.name),
            Locator::Interrupt(i, _) => self.m.interrupts.get(i).map(|it| &it.name),
            Locator::Root(_) | Locator::WitnessLog(_) => None,
        };
        name.map(|name| shorten(name)).unwrap_or_default()
    }

    fn component_name(&self, index: ComponentIndex) -> &'a str {
        self.m
            .component(index)
            .map(|c| c.name.as_str())
            .unwrap_or("?")
    }

    fn check_name(&mut self, locator: Locator, kind: NameKind, name: &str) -> Flow {
        let valid = match kind {
            NameKind::Item | NameKind::Port => is_valid_name(name),
            NameKind::WasmFile => is_valid_wasm_file(name),
            NameKind::Export => is_valid_export(name),
        };
        if valid {
            return ControlFlow::Continue(());
        }
        let name = shorten(name);
        self.report(locator, Problem::InvalidName { kind, name })
    }

    fn check_system(&mut self) -> Flow {
        let m = self.m;
        if m.version != crate::FORMAT_VERSION {
            self.report(
                Locator::System(SystemField::Version),
                Problem::UnsupportedVersion { found: m.version },
            )?;
        }
        self.check_name(
            Locator::System(SystemField::Name),
            NameKind::Item,
            &m.system,
        )?;

        if m.boards.len() > MAX_BOARDS {
            return self.too_many(
                Locator::System(SystemField::Board(MAX_BOARDS)),
                Counted::Boards,
                m.boards.len(),
                MAX_BOARDS,
            );
        }
        if m.boards.is_empty() {
            self.report(Locator::System(SystemField::Boards), Problem::NoBoards)?;
        }
        for (i, board) in m.boards.iter().enumerate() {
            if m.boards[..i].contains(board) {
                self.report(
                    Locator::System(SystemField::Board(i)),
                    Problem::DuplicateBoard { board: *board },
                )?;
            }
        }
        if !m.boards.is_empty() && !m.boards.contains(&self.board.board) {
            self.report(
                Locator::System(SystemField::Boards),
                Problem::BoardNotTargeted {
                    board: self.board.board,
                },
            )?;
        }

        let lists = [
            (m.components.len(), MAX_COMPONENTS, Counted::Components),
            (m.regions.len(), MAX_REGIONS, Counted::Regions),
            (m.queues.len(), MAX_QUEUES, Counted::Queues),
            (m.interrupts.len(), MAX_INTERRUPTS, Counted::Interrupts),
        ];
        for (count, max, what) in lists {
            if count > max {
                let locator = match what {
                    Counted::Components => Locator::Component(max, ComponentField::Item),
                    Counted::Regions => Locator::Region(max, RegionField::Item),
                    Counted::Interrupts => Locator::Interrupt(max, InterruptField::Item),
                    _ => Locator::Queue(max, QueueField::Item),
                };
                return self.too_many(locator, what, count, max);
            }
        }
        if m.components.is_empty() {
            self.report(Locator::System(SystemField::Item), Problem::NoComponents)?;
        }
        ControlFlow::Continue(())
    }

    fn check_components(&mut self) -> Flow {
        let components = &self.m.components;
        for (i, component) in components.iter().enumerate() {
            let at = |field| Locator::Component(i, field);
            self.check_name(at(ComponentField::Name), NameKind::Item, &component.name)?;
            if let Some(first) = components[..i]
                .iter()
                .position(|c| c.name == component.name)
            {
                self.report(
                    at(ComponentField::Name),
                    Problem::DuplicateName {
                        kind: ItemKind::Component,
                        first,
                    },
                )?;
            }
            self.check_name(
                at(ComponentField::Wasm),
                NameKind::WasmFile,
                &component.wasm,
            )?;
            self.check_limits(i, component)?;
            self.check_entry_points(i, component)?;
            self.check_restart(i, component)?;
            self.check_log_budget(i, component)?;
            self.check_grants(i, component)?;
        }
        ControlFlow::Continue(())
    }

    fn check_limits(&mut self, i: usize, component: &ComponentDecl) -> Flow {
        let pages = component.memory_pages;
        if pages == 0 || pages > MAX_MEMORY_PAGES {
            self.report(
                Locator::Component(i, ComponentField::Memory),
                Problem::MemoryLimit { pages },
            )?;
        } else if component.memory_bytes() > self.board.ram_size {
            self.report(
                Locator::Component(i, ComponentField::Memory),
                Problem::MemoryExceedsRam {
                    bytes: component.memory_bytes(),
                    board: self.board.name.to_string(),
                    ram: self.board.ram_size,
                },
            )?;
        }
        let fuel = component.fuel_slice;
        if fuel == 0 || fuel > MAX_FUEL_SLICE {
            self.report(
                Locator::Component(i, ComponentField::FuelSlice),
                Problem::FuelSlice { fuel },
            )?;
        }
        let time_slice_ms = component.time_slice_ms;
        if time_slice_ms == 0 || time_slice_ms > MAX_TIME_SLICE_MS {
            self.report(
                Locator::Component(i, ComponentField::TimeSlice),
                Problem::TimeSlice { time_slice_ms },
            )?;
        }
        ControlFlow::Continue(())
    }

    fn check_entry_points(&mut self, i: usize, component: &ComponentDecl) -> Flow {
        let entries = &component.entry_points;
        if entries.len() > MAX_ENTRY_POINTS {
            return self.too_many(
                Locator::Component(i, ComponentField::EntryExport(MAX_ENTRY_POINTS)),
                Counted::EntryPoints,
                entries.len(),
                MAX_ENTRY_POINTS,
            );
        }
        if entries.is_empty() {
            self.report(
                Locator::Component(i, ComponentField::EntryPoints),
                Problem::NoEntryPoints,
            )?;
        }
        for (e, entry) in entries.iter().enumerate() {
            let export_at = Locator::Component(i, ComponentField::EntryExport(e));
            self.check_name(export_at, NameKind::Export, &entry.export)?;
            if entries[..e]
                .iter()
                .any(|other| other.export == entry.export)
            {
                self.report(
                    export_at,
                    Problem::DuplicateEntryPoint {
                        export: entry.export.clone(),
                    },
                )?;
            }
            if entry.priority > MAX_PRIORITY {
                self.report(
                    Locator::Component(i, ComponentField::EntryPriority(e)),
                    Problem::Priority {
                        export: entry.export.clone(),
                        priority: entry.priority,
                    },
                )?;
            }
        }
        ControlFlow::Continue(())
    }

    fn check_restart(&mut self, i: usize, component: &ComponentDecl) -> Flow {
        if let RestartPolicy::Restart {
            max_restarts,
            min_run_ms,
        } = component.restart
        {
            let at = Locator::Component(i, ComponentField::Restart);
            if max_restarts == 0 || max_restarts > MAX_RESTARTS {
                self.report(at, Problem::RestartCount { max_restarts })?;
            }
            // A zero minimum run time would let a crash loop restart as fast as it crashes.
            if min_run_ms == 0 || min_run_ms > MAX_MIN_RUN_MS {
                self.report(at, Problem::RestartMinRun { min_run_ms })?;
            }
        }
        ControlFlow::Continue(())
    }

    fn check_log_budget(&mut self, i: usize, component: &ComponentDecl) -> Flow {
        let budget = component.log_budget;
        let at = Locator::Component(i, ComponentField::LogBudget);
        if budget.lines_per_second == 0 || budget.lines_per_second > MAX_LOG_LINES_PER_SECOND {
            self.report(
                at,
                Problem::LogRate {
                    lines_per_second: budget.lines_per_second,
                },
            )?;
        }
        if budget.burst == 0 || budget.burst > MAX_LOG_BURST {
            self.report(
                at,
                Problem::LogBurst {
                    burst: budget.burst,
                },
            )?;
        }
        ControlFlow::Continue(())
    }

    fn check_grants(&mut self, i: usize, component: &ComponentDecl) -> Flow {
        let grants = &component.grants;
        if grants.len() > KernelCap::ALL.len() {
            return self.too_many(
                Locator::Component(i, ComponentField::Grant(KernelCap::ALL.len())),
                Counted::Grants,
                grants.len(),
                KernelCap::ALL.len(),
            );
        }
        for (g, grant) in grants.iter().enumerate() {
            let at = Locator::Component(i, ComponentField::Grant(g));
            if grants[..g].iter().any(|other| other.cap == grant.cap) {
                self.report(at, Problem::DuplicateGrant { cap: grant.cap })?;
                continue;
            }
            let earlier_console = self.m.components[..i.min(self.m.components.len())]
                .iter()
                .find(|c| c.grants.iter().any(|g| g.cap == KernelCap::Console));
            if grant.cap == KernelCap::Console
                && let Some(first) = earlier_console
            {
                let first = first.name.clone();
                self.report(at, Problem::ConsoleTaken { first })?;
                continue;
            }
            match root_capability(grant.cap) {
                Some(held) if !held.rights.covers(grant.rights) => {
                    self.report(
                        at,
                        Problem::GrantRightsNotHeld {
                            cap: grant.cap,
                            requested: grant.rights,
                            held: Some(held.rights),
                        },
                    )?;
                }
                Some(held) if !held.delegable => {
                    self.report(at, Problem::GrantNotDelegable { cap: grant.cap })?;
                }
                Some(_) => {}
                None => {
                    self.report(
                        at,
                        Problem::GrantRightsNotHeld {
                            cap: grant.cap,
                            requested: grant.rights,
                            held: None,
                        },
                    )?;
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn check_regions(&mut self) -> Flow {
        let regions = &self.m.regions;
        let mut ram_total: u64 = 0;
        let mut ram_reported = false;
        for (i, region) in regions.iter().enumerate() {
            let at = |field| Locator::Region(i, field);
            self.check_name(at(RegionField::Name), NameKind::Item, &region.name)?;
            if let Some(first) = regions[..i].iter().position(|r| r.name == region.name) {
                self.report(
                    at(RegionField::Name),
                    Problem::DuplicateName {
                        kind: ItemKind::Region,
                        first,
                    },
                )?;
            }

            let size = region.size;
            let size_ok = if size == 0 {
                self.report(at(RegionField::Size), Problem::RegionSizeZero)?;
                false
            } else if !size.is_multiple_of(PAGE_SIZE) {
                self.report(at(RegionField::Size), Problem::RegionSizeUnaligned { size })?;
                false
            } else if size > MAX_REGION_SIZE {
                self.report(at(RegionField::Size), Problem::RegionSizeTooLarge { size })?;
                false
            } else {
                true
            };

            match region.kind {
                RegionKind::Ram if size_ok => {
                    ram_total = ram_total.saturating_add(size);
                    if ram_total > self.board.ram_size && !ram_reported {
                        ram_reported = true;
                        self.report(
                            at(RegionField::Size),
                            Problem::RamRegionsExceedRam {
                                total: ram_total,
                                board: self.board.name.to_string(),
                                ram: self.board.ram_size,
                            },
                        )?;
                    }
                }
                RegionKind::Mmio { peripheral_offset } if size_ok => {
                    self.check_mmio(i, peripheral_offset, size)?;
                }
                RegionKind::Ram | RegionKind::Mmio { .. } => {}
            }
            self.check_access(i)?;
        }
        ControlFlow::Continue(())
    }

    fn check_mmio(&mut self, i: usize, offset: u64, size: u64) -> Flow {
        let at = |field| Locator::Region(i, field);
        if !offset.is_multiple_of(PAGE_SIZE) {
            return self.report(
                at(RegionField::PeripheralOffset),
                Problem::MmioOffsetUnaligned { offset },
            );
        }
        // Before the window check: some kernel pages (ARM-local, GIC) lie just past the
        // window, and the message should name the page, not only the window.
        if let Some(page) = kernel_page(self.board, offset, size) {
            return self.report(
                at(RegionField::PeripheralOffset),
                Problem::KernelPage {
                    page: page.name,
                    address: page.base,
                    why: page.why,
                    board: self.board.name.to_string(),
                },
            );
        }
        let fits = offset
            .checked_add(size)
            .is_some_and(|end| end <= self.board.peripheral_size);
        if !fits {
            return self.report(
                at(RegionField::PeripheralOffset),
                Problem::MmioOutsideWindow {
                    offset,
                    size,
                    board: self.board.name.to_string(),
                    base: self.board.peripheral_base,
                    window: self.board.peripheral_size,
                },
            );
        }
        // Only earlier regions that are themselves valid take part, so one bad region gives
        // one error. Both ranges are inside the window, so no end overflows.
        let overlapping = self.m.regions[..i].iter().find_map(|other| {
            let (other_offset, other_end) = mmio_range(other, self.board)?;
            (offset < other_end && other_offset < offset + size).then_some((other, other_offset))
        });
        if let Some((other, other_offset)) = overlapping {
            return self.report(
                at(RegionField::PeripheralOffset),
                Problem::RegionOverlap {
                    other: other.name.clone(),
                    other_offset,
                    other_size: other.size,
                },
            );
        }
        ControlFlow::Continue(())
    }

    fn check_access(&mut self, i: usize) -> Flow {
        let Some(region) = self.m.regions.get(i) else {
            return ControlFlow::Continue(());
        };
        let access = &region.access;
        if access.len() > MAX_COMPONENTS {
            return self.too_many(
                Locator::Region(i, RegionField::AccessEntry(MAX_COMPONENTS)),
                Counted::AccessEntries,
                access.len(),
                MAX_COMPONENTS,
            );
        }
        for (a, entry) in access.iter().enumerate() {
            let at = Locator::Region(i, RegionField::AccessEntry(a));
            if self.m.component(entry.component).is_none() {
                self.report(
                    at,
                    Problem::AccessComponentOutOfRange {
                        component: entry.component.0,
                        count: self.m.components.len(),
                    },
                )?;
                continue;
            }
            let component = self.component_name(entry.component).to_string();
            if access[..a].iter().any(|o| o.component == entry.component) {
                self.report(at, Problem::DuplicateAccess { component })?;
            } else if entry.rights == Access::WriteOnly {
                self.report(at, Problem::WriteOnlyRegion { component })?;
            }
        }
        ControlFlow::Continue(())
    }

    fn check_queues(&mut self) -> Flow {
        let queues = &self.m.queues;
        for (i, queue) in queues.iter().enumerate() {
            let at = |field| Locator::Queue(i, field);
            self.check_name(at(QueueField::Name), NameKind::Item, &queue.name)?;
            if let Some(first) = queues[..i].iter().position(|q| q.name == queue.name) {
                self.report(
                    at(QueueField::Name),
                    Problem::DuplicateName {
                        kind: ItemKind::Queue,
                        first,
                    },
                )?;
            }
            if queue.depth == 0 || queue.depth > MAX_QUEUE_DEPTH {
                self.report(
                    at(QueueField::Depth),
                    Problem::QueueDepth { depth: queue.depth },
                )?;
            }
            if queue.message_size == 0 || queue.message_size > MAX_MESSAGE_SIZE {
                self.report(
                    at(QueueField::MessageSize),
                    Problem::MessageSize {
                        size: queue.message_size,
                    },
                )?;
            }
            self.check_endpoint(i, End::From, &queue.from)?;
            self.check_endpoint(i, End::To, &queue.to)?;
        }
        ControlFlow::Continue(())
    }

    fn check_endpoint(&mut self, i: usize, end: End, endpoint: &Endpoint) -> Flow {
        let at = Locator::Queue(
            i,
            match end {
                End::From => QueueField::From,
                End::To => QueueField::To,
            },
        );
        if self.m.component(endpoint.component).is_none() {
            return self.report(
                at,
                Problem::EndpointComponentOutOfRange {
                    end,
                    component: endpoint.component.0,
                    count: self.m.components.len(),
                },
            );
        }
        self.check_name(at, NameKind::Port, &endpoint.port)?;

        // A port is one end of one queue: earlier queues' ends, and this queue's `from`.
        let earlier = self.m.queues[..i]
            .iter()
            .flat_map(|q| [(&q.from, q), (&q.to, q)]);
        let this_from = match (end, self.m.queues.get(i)) {
            (End::To, Some(q)) => Some((&q.from, q)),
            _ => None,
        };
        let clash = earlier.chain(this_from).find(|(other, _)| {
            other.component == endpoint.component && other.port == endpoint.port
        });
        if let Some((_, other_queue)) = clash {
            let mut name = String::from(self.component_name(endpoint.component));
            name.push('.');
            name.push_str(&endpoint.port);
            return self.report(
                at,
                Problem::PortReused {
                    end,
                    endpoint: name,
                    other_queue: other_queue.name.clone(),
                },
            );
        }
        ControlFlow::Continue(())
    }

    fn check_interrupts(&mut self) -> Flow {
        let interrupts = &self.m.interrupts;
        for (i, interrupt) in interrupts.iter().enumerate() {
            let at = |field| Locator::Interrupt(i, field);
            self.check_name(at(InterruptField::Name), NameKind::Item, &interrupt.name)?;
            let source = interrupt.source;
            let line = self.board.device_interrupt(source.name());
            if line.is_none() {
                self.report(
                    at(InterruptField::Source),
                    Problem::InterruptNotOnBoard {
                        source,
                        board: self.board.name.to_string(),
                    },
                )?;
            }
            if let Some(first) = interrupts[..i].iter().position(|o| o.source == source) {
                let (first_name, first_holder) = interrupts
                    .get(first)
                    .map(|o| (shorten(&o.name), self.component_name(o.holder).to_string()))
                    .unwrap_or_default();
                self.report(
                    at(InterruptField::Source),
                    Problem::InterruptSourceTaken {
                        source,
                        // `check_system` has refused more than MAX_INTERRUPTS.
                        first: u16::try_from(first).unwrap_or(u16::MAX),
                        first_name,
                        first_holder,
                    },
                )?;
            }
            if self.m.component(interrupt.holder).is_none() {
                self.report(
                    at(InterruptField::Holder),
                    Problem::InterruptHolderOutOfRange {
                        component: interrupt.holder.0,
                        count: self.m.components.len(),
                    },
                )?;
                continue;
            }
            if let Some(clash) = self.name_clash(i, interrupt) {
                self.report(
                    at(InterruptField::Name),
                    Problem::InterruptNameClash {
                        holder: self.component_name(interrupt.holder).to_string(),
                        clash,
                    },
                )?;
            }
            if let Some(line) = line
                && !self.holds_device_page(interrupt.holder, line)
            {
                self.report(
                    at(InterruptField::Holder),
                    Problem::InterruptRegionMissing {
                        holder: self.component_name(interrupt.holder).to_string(),
                        line,
                        offset: line.device_page.saturating_sub(self.board.peripheral_base),
                        board: self.board.name,
                    },
                )?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Which other capability of its holder (see `distribute` in ruvix-caps: grants, regions,
    /// queue ends, interrupts) already has interrupt `i`'s name.
    fn name_clash(&self, i: usize, interrupt: &InterruptDecl) -> Option<NameClash> {
        let holder = interrupt.holder;
        let name = interrupt.name.as_str();
        let m = self.m;
        if m.component(holder)
            .is_some_and(|c| c.grants.iter().any(|g| g.cap.as_str() == name))
        {
            return Some(NameClash::Grant);
        }
        if m.regions
            .iter()
            .any(|r| r.name == name && r.access.iter().any(|a| a.component == holder))
        {
            return Some(NameClash::Region);
        }
        let is_port = |end: &Endpoint| end.component == holder && end.port == name;
        if let Some(queue) = m.queues.iter().find(|q| is_port(&q.from) || is_port(&q.to)) {
            return Some(NameClash::Port {
                queue: queue.name.clone(),
            });
        }
        m.interrupts
            .get(..i)
            .and_then(|earlier| {
                earlier
                    .iter()
                    .position(|o| o.holder == holder && o.name == name)
            })
            .map(|first| NameClash::Interrupt { first })
    }

    /// Whether `holder` has `rw` access to a valid MMIO region covering `line`'s device page
    /// on this board: without it, it could not clear the device's interrupt condition.
    fn holds_device_page(&self, holder: ComponentIndex, line: &InterruptLine) -> bool {
        let page = line.device_page;
        self.m.regions.iter().any(|region| {
            let rw = region
                .access
                .iter()
                .any(|a| a.component == holder && a.rights == Access::ReadWrite);
            let covers = mmio_range(region, self.board).is_some_and(|(offset, end)| {
                let start = self.board.mmio_address(offset);
                let end = self.board.mmio_address(end);
                match (start, end, page.checked_add(PAGE_SIZE)) {
                    (Some(start), Some(end), Some(page_end)) => start <= page && page_end <= end,
                    _ => false,
                }
            });
            rw && covers
        })
    }

    /// Depth-first search over the queue graph; reports the first cycle, at the queue that
    /// closes it. Iterative, so a deep graph cannot overflow the firmware's stack.
    fn check_wiring(&mut self) -> Flow {
        if self.m.wiring != WiringPolicy::Acyclic {
            return ControlFlow::Continue(());
        }
        let Some(closing) = find_cycle(self.m) else {
            return ControlFlow::Continue(());
        };
        let cycle = closing
            .nodes
            .iter()
            .map(|&c| self.component_name(ComponentIndex(c)).to_string())
            .collect();
        self.report(
            Locator::Queue(closing.queue, QueueField::To),
            Problem::WiringCycle { cycle },
        )
    }

    fn check_root(&mut self) -> Flow {
        let minimum = &self.m.root_minimum;
        if minimum.len() > KernelCap::ALL.len() {
            return self.too_many(
                Locator::Root(RootField::MinimumEntry(KernelCap::ALL.len())),
                Counted::RootCapabilities,
                minimum.len(),
                KernelCap::ALL.len(),
            );
        }
        for (i, &cap) in minimum.iter().enumerate() {
            let at = Locator::Root(RootField::MinimumEntry(i));
            if minimum[..i].contains(&cap) {
                self.report(at, Problem::DuplicateRootCapability { cap })?;
                continue;
            }
            match root_capability(cap) {
                None => self.report(at, Problem::RootCapabilityNotHeld { cap })?,
                Some(held) if !held.retainable => {
                    self.report(at, Problem::RootCapabilityNotRetainable { cap })?
                }
                Some(_) => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn check_witness_log(&mut self) -> Flow {
        let max_entries = self.m.witness_log.max_entries;
        if max_entries == 0 || max_entries > MAX_WITNESS_ENTRIES {
            self.report(
                Locator::WitnessLog(WitnessLogField::MaxEntries),
                Problem::WitnessEntries { max_entries },
            )?;
        }
        ControlFlow::Continue(())
    }

    /// Like seL4 Microkit's build-time allocation check: regions, linear memories and queue
    /// buffers must fit in the board's RAM together. Items already reported as out of range are
    /// left out, so one bad value gives one error.
    fn check_ram_budget(&mut self) -> Flow {
        let m = self.m;
        let regions = m
            .regions
            .iter()
            .filter(|r| r.kind == RegionKind::Ram && region_size_ok(r.size))
            .fold(0u64, |sum, r| sum.saturating_add(r.size));
        if regions > self.board.ram_size {
            // Already reported at the region that went over.
            return ControlFlow::Continue(());
        }
        let memories = m
            .components
            .iter()
            .filter(|c| (1..=MAX_MEMORY_PAGES).contains(&c.memory_pages))
            .fold(0u64, |sum, c| sum.saturating_add(c.memory_bytes()));
        let queues = m
            .queues
            .iter()
            .filter(|q| {
                (1..=MAX_QUEUE_DEPTH).contains(&q.depth)
                    && (1..=MAX_MESSAGE_SIZE).contains(&q.message_size)
            })
            .fold(0u64, |sum, q| {
                sum.saturating_add(q.buffer_bytes().unwrap_or(u64::MAX))
            });
        let total = regions.saturating_add(memories).saturating_add(queues);
        if total > self.board.ram_size {
            self.report(
                Locator::System(SystemField::Item),
                Problem::RamBudget {
                    regions,
                    memories,
                    queues,
                    board: self.board.name.to_string(),
                    ram: self.board.ram_size,
                },
            )?;
        }
        ControlFlow::Continue(())
    }
}

/// A name for a message: an absurdly long one is cut short, never copied whole.
fn shorten(name: &str) -> String {
    match name.char_indices().nth(MAX_FILE_NAME_LEN) {
        Some((cut, _)) => {
            let mut short = String::from(&name[..cut]);
            short.push_str("...");
            short
        }
        None => String::from(name),
    }
}

/// Whether a region size passes the size checks.
fn region_size_ok(size: u64) -> bool {
    size != 0 && size.is_multiple_of(PAGE_SIZE) && size <= MAX_REGION_SIZE
}

/// The physical range of an MMIO region at `offset` of `board`'s window (`None` on overflow).
fn physical_range(board: &BoardLimits, offset: u64, size: u64) -> Option<core::ops::Range<u64>> {
    let start = board.peripheral_base.checked_add(offset)?;
    Some(start..start.checked_add(size)?)
}

/// The first kernel-owned page an MMIO region at `offset` covers.
fn kernel_page(board: &BoardLimits, offset: u64, size: u64) -> Option<&'static DevicePage> {
    let range = physical_range(board, offset, size)?;
    board
        .pages
        .iter()
        .find(|p| p.owner == Owner::Kernel && p.overlaps(&range))
}

impl RvfManifest {
    /// What an author should know about a manifest that is valid for `board`: MMIO regions
    /// over pages that hold state the kernel depends on (the GPIO function-select bits of the
    /// UART pins).
    pub fn warnings(&self, board: &BoardLimits) -> Vec<ValidationWarning> {
        let mut warnings = Vec::new();
        for (i, region) in self.regions.iter().enumerate() {
            let RegionKind::Mmio { peripheral_offset } = region.kind else {
                continue;
            };
            let Some(range) = physical_range(board, peripheral_offset, region.size) else {
                continue;
            };
            for page in board
                .pages
                .iter()
                .filter(|p| p.owner == Owner::SharedWithKernel && p.overlaps(&range))
            {
                warnings.push(ValidationWarning {
                    locator: Locator::Region(i, RegionField::PeripheralOffset),
                    subject: region.name.clone(),
                    concern: Concern::SharedPage {
                        page: page.name,
                        address: page.base,
                        why: page.why,
                        board: board.name.to_string(),
                    },
                });
            }
        }
        warnings
    }
}

/// The `[offset, end)` of a valid MMIO region (aligned, inside the board's window), else `None`.
fn mmio_range(region: &RegionDecl, board: &BoardLimits) -> Option<(u64, u64)> {
    let RegionKind::Mmio { peripheral_offset } = region.kind else {
        return None;
    };
    let end = peripheral_offset.checked_add(region.size)?;
    let valid = region_size_ok(region.size)
        && peripheral_offset.is_multiple_of(PAGE_SIZE)
        && end <= board.peripheral_size;
    valid.then_some((peripheral_offset, end))
}

/// A cycle in the queue graph.
struct Cycle {
    /// Component indices around the cycle, the first repeated at the end.
    nodes: Vec<u16>,
    /// The queue that closes it.
    queue: usize,
}

/// Finds a cycle among queues whose endpoints are in range (others are reported elsewhere).
fn find_cycle(m: &RvfManifest) -> Option<Cycle> {
    let n = m.components.len();
    // Outgoing edges per component: (target, queue index), in queue order.
    let mut edges: Vec<Vec<(usize, usize)>> = (0..n).map(|_| Vec::new()).collect();
    for (q, queue) in m.queues.iter().enumerate() {
        let (from, to) = (queue.from.component.get(), queue.to.component.get());
        if to < n
            && let Some(out) = edges.get_mut(from)
        {
            out.push((to, q));
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    // Every index below is < n: `start` by the loop, path entries and `target` because only
    // edges with both ends in range were added above.
    let mut mark = alloc::vec![Mark::New; n];
    // The current path: (component, next edge to look at).
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        mark[start] = Mark::OnPath;
        path.push((start, 0));
        while let Some(top) = path.last_mut() {
            let (node, next) = *top;
            let Some(&(target, queue)) = edges[node].get(next) else {
                mark[node] = Mark::Done;
                path.pop();
                continue;
            };
            top.1 += 1;
            match mark[target] {
                Mark::New => {
                    mark[target] = Mark::OnPath;
                    path.push((target, 0));
                }
                Mark::OnPath => {
                    let from = path.iter().position(|&(c, _)| c == target).unwrap_or(0);
                    let mut nodes: Vec<u16> = path[from..]
                        .iter()
                        .map(|&(c, _)| u16::try_from(c).unwrap_or(u16::MAX))
                        .collect();
                    nodes.push(u16::try_from(target).unwrap_or(u16::MAX));
                    return Some(Cycle { nodes, queue });
                }
                Mark::Done => {}
            }
        }
    }
    None
}
