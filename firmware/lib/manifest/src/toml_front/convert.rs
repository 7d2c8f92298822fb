//! From the TOML shape to the model: names resolved to indices, sizes to their units, defaults
//! filled in, and every value's place recorded in the [`SourceMap`]. What can only be said here
//! (a name that does not resolve, a malformed endpoint) becomes a diagnostic; everything else is
//! left to the shared validation.

use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceMap};
use super::schema::{
    ComponentSrc, InterruptSrc, ManifestSrc, QueueSrc, RegionKindSrc, RegionSrc, RestartKind,
    RestartSrc,
};
use crate::error::{
    ComponentField, InterruptField, Locator, QueueField, RegionField, RootField, SystemField,
    WitnessLogField,
};
use crate::limits::{
    DEFAULT_PRIORITY, DEFAULT_TIME_SLICE_MS, DEFAULT_WITNESS_ENTRIES, WASM_PAGE_SIZE,
};
use crate::model::{
    ComponentDecl, ComponentIndex, Endpoint, EntryPoint, FORMAT_VERSION, Grant, InterruptDecl,
    InterruptSource, LogBudget, QueueWiring, RegionAccess, RegionDecl, RegionKind, RestartPolicy,
    RvfManifest, WiringPolicy, WitnessLogPolicy,
};

pub(super) fn convert(
    src: &ManifestSrc,
    map: &mut SourceMap,
) -> Result<RvfManifest, Vec<Diagnostic>> {
    let mut converter = Converter {
        map,
        errors: Vec::new(),
        component_names: BTreeMap::new(),
    };
    let manifest = converter.manifest(src);
    if converter.errors.is_empty() {
        Ok(manifest)
    } else {
        Err(converter.errors)
    }
}

struct Converter<'a, 's> {
    map: &'a mut SourceMap,
    errors: Vec<Diagnostic>,
    /// Component name → index of its first declaration.
    component_names: BTreeMap<&'s str, ComponentIndex>,
}

fn index16(i: usize) -> u16 {
    // Validation rejects more than MAX_COMPONENTS components before using any index.
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl<'s> Converter<'_, 's> {
    fn record<T>(&mut self, locator: Locator, value: &Spanned<T>) {
        self.map.record(locator, value.span());
    }

    fn error(&mut self, locator: Locator, message: String) {
        let diagnostic = self.map.diagnostic(locator, message);
        self.errors.push(diagnostic);
    }

    fn manifest(&mut self, src: &'s ManifestSrc) -> RvfManifest {
        let system = src.system.get_ref();
        self.record(Locator::System(SystemField::Item), &src.system);
        self.record(Locator::System(SystemField::Name), &system.name);
        self.record(Locator::System(SystemField::Boards), &system.boards);
        let mut boards = Vec::new();
        for (i, board) in system.boards.get_ref().iter().enumerate() {
            self.record(Locator::System(SystemField::Board(i)), board);
            boards.push(*board.get_ref());
        }
        let wiring = match &system.wiring {
            Some(wiring) => {
                self.record(Locator::System(SystemField::Wiring), wiring);
                *wiring.get_ref()
            }
            None => WiringPolicy::Acyclic,
        };

        for (i, component) in src.component.iter().enumerate() {
            self.component_names
                .entry(component.get_ref().name.get_ref().as_str())
                .or_insert(ComponentIndex(index16(i)));
        }
        let components = src
            .component
            .iter()
            .enumerate()
            .map(|(i, c)| self.component(i, c))
            .collect();
        let regions = src
            .region
            .iter()
            .enumerate()
            .map(|(i, r)| self.region(i, r))
            .collect();
        let queues = src
            .queue
            .iter()
            .enumerate()
            .filter_map(|(i, q)| self.queue(i, q))
            .collect();
        let interrupts = src
            .interrupt
            .iter()
            .enumerate()
            .filter_map(|(i, interrupt)| self.interrupt(i, interrupt))
            .collect();

        let root = src.root.get_ref();
        self.record(Locator::Root(RootField::Minimum), &root.minimum);
        let mut root_minimum = Vec::new();
        for (i, cap) in root.minimum.get_ref().iter().enumerate() {
            self.record(Locator::Root(RootField::MinimumEntry(i)), cap);
            root_minimum.push(*cap.get_ref());
        }

        let mut witness_log = WitnessLogPolicy {
            max_entries: DEFAULT_WITNESS_ENTRIES,
            hash_chain: true,
        };
        if let Some(policy) = &src.witness_log {
            self.record(Locator::WitnessLog(WitnessLogField::Item), policy);
            let policy = policy.get_ref();
            if let Some(max_entries) = &policy.max_entries {
                self.record(
                    Locator::WitnessLog(WitnessLogField::MaxEntries),
                    max_entries,
                );
                witness_log.max_entries = *max_entries.get_ref();
            }
            if let Some(hash_chain) = &policy.hash_chain {
                self.record(Locator::WitnessLog(WitnessLogField::HashChain), hash_chain);
                witness_log.hash_chain = *hash_chain.get_ref();
            }
        }

        RvfManifest {
            version: FORMAT_VERSION,
            system: system.name.get_ref().clone(),
            boards,
            wiring,
            components,
            regions,
            queues,
            root_minimum,
            witness_log,
            interrupts,
        }
    }

    fn component(&mut self, i: usize, spanned: &Spanned<ComponentSrc>) -> ComponentDecl {
        let at = |field| Locator::Component(i, field);
        let src = spanned.get_ref();
        let name = src.name.get_ref();
        self.record(at(ComponentField::Item), spanned);
        self.record(at(ComponentField::Name), &src.name);
        self.record(at(ComponentField::Wasm), &src.wasm);
        self.record(at(ComponentField::Memory), &src.memory);
        self.record(at(ComponentField::FuelSlice), &src.fuel_slice);
        self.record(at(ComponentField::EntryPoints), &src.entry_points);

        let bytes = src.memory.get_ref().0;
        let pages = bytes / WASM_PAGE_SIZE;
        if !bytes.is_multiple_of(WASM_PAGE_SIZE) {
            self.error(
                at(ComponentField::Memory),
                format!(
                    "component \"{name}\": memory of {bytes} bytes is not a multiple of 64 KiB \
                     (one wasm page)"
                ),
            );
        }
        let memory_pages = u32::try_from(pages).unwrap_or_else(|_| {
            self.error(
                at(ComponentField::Memory),
                format!("component \"{name}\": memory of {bytes} bytes is far too large"),
            );
            0
        });

        let mut entry_points = Vec::new();
        for (e, entry) in src.entry_points.get_ref().iter().enumerate() {
            let entry = entry.get_ref();
            self.record(at(ComponentField::EntryExport(e)), &entry.export);
            let priority = match &entry.priority {
                Some(priority) => {
                    self.record(at(ComponentField::EntryPriority(e)), priority);
                    *priority.get_ref()
                }
                None => DEFAULT_PRIORITY,
            };
            entry_points.push(EntryPoint {
                export: entry.export.get_ref().clone(),
                priority,
            });
        }

        let restart = match &src.restart {
            Some(restart) => {
                self.record(at(ComponentField::Restart), restart);
                self.restart(i, name, restart.get_ref())
            }
            None => RestartPolicy::Never,
        };

        let mut grants = Vec::new();
        if let Some(spanned_grants) = &src.grants {
            self.record(at(ComponentField::Grants), spanned_grants);
            // Source order, not the map's key order.
            let mut entries: Vec<_> = spanned_grants.get_ref().iter().collect();
            entries.sort_by_key(|(cap, _)| cap.span().start);
            for (g, (cap, rights)) in entries.into_iter().enumerate() {
                self.record(at(ComponentField::Grant(g)), cap);
                grants.push(Grant {
                    cap: *cap.get_ref(),
                    rights: *rights.get_ref(),
                });
            }
        }

        let time_slice_ms = match &src.time_slice_ms {
            Some(time_slice_ms) => {
                self.record(at(ComponentField::TimeSlice), time_slice_ms);
                *time_slice_ms.get_ref()
            }
            None => DEFAULT_TIME_SLICE_MS,
        };

        let log_budget = match &src.log {
            Some(log) => {
                self.record(at(ComponentField::LogBudget), log);
                LogBudget {
                    lines_per_second: log.get_ref().lines_per_second,
                    burst: log.get_ref().burst,
                }
            }
            None => LogBudget::DEFAULT,
        };

        ComponentDecl {
            name: name.clone(),
            wasm: src.wasm.get_ref().clone(),
            entry_points,
            memory_pages,
            fuel_slice: *src.fuel_slice.get_ref(),
            time_slice_ms,
            restart,
            grants,
            log_budget,
        }
    }

    fn restart(&mut self, i: usize, name: &str, src: &RestartSrc) -> RestartPolicy {
        let at = Locator::Component(i, ComponentField::Restart);
        match (src.policy.get_ref(), &src.max_restarts, &src.min_run_ms) {
            (RestartKind::Never, None, None) => RestartPolicy::Never,
            (RestartKind::Never, _, _) => {
                self.error(
                    at,
                    format!(
                        "component \"{name}\": restart policy \"never\" takes no max_restarts or \
                         min_run_ms"
                    ),
                );
                RestartPolicy::Never
            }
            (RestartKind::Restart, Some(max_restarts), Some(min_run_ms)) => {
                RestartPolicy::Restart {
                    max_restarts: *max_restarts.get_ref(),
                    min_run_ms: *min_run_ms.get_ref(),
                }
            }
            (RestartKind::Restart, _, _) => {
                self.error(
                    at,
                    format!(
                        "component \"{name}\": restart policy \"restart\" needs max_restarts and \
                         min_run_ms"
                    ),
                );
                RestartPolicy::Never
            }
        }
    }

    fn region(&mut self, i: usize, spanned: &Spanned<RegionSrc>) -> RegionDecl {
        let at = |field| Locator::Region(i, field);
        let src = spanned.get_ref();
        let name = src.name.get_ref();
        self.record(at(RegionField::Item), spanned);
        self.record(at(RegionField::Name), &src.name);
        self.record(at(RegionField::Kind), &src.kind);
        self.record(at(RegionField::Size), &src.size);
        if let Some(offset) = &src.peripheral_offset {
            self.record(at(RegionField::PeripheralOffset), offset);
        }

        let kind = match (src.kind.get_ref(), &src.peripheral_offset) {
            (RegionKindSrc::Ram, None) => RegionKind::Ram,
            (RegionKindSrc::Ram, Some(_)) => {
                self.error(
                    at(RegionField::PeripheralOffset),
                    format!(
                        "region \"{name}\": peripheral_offset is only for mmio regions (RAM \
                         regions are placed by the frame allocator)"
                    ),
                );
                RegionKind::Ram
            }
            (RegionKindSrc::Mmio, Some(offset)) => RegionKind::Mmio {
                peripheral_offset: *offset.get_ref(),
            },
            (RegionKindSrc::Mmio, None) => {
                self.error(
                    at(RegionField::Kind),
                    format!("region \"{name}\": an mmio region needs peripheral_offset"),
                );
                RegionKind::Ram
            }
        };

        let mut access = Vec::new();
        if let Some(spanned_access) = &src.access {
            self.record(at(RegionField::Access), spanned_access);
            let mut entries: Vec<_> = spanned_access.get_ref().iter().collect();
            entries.sort_by_key(|(component, _)| component.span().start);
            for (a, (component, rights)) in entries.into_iter().enumerate() {
                self.record(at(RegionField::AccessEntry(a)), component);
                match self.component_names.get(component.get_ref().as_str()) {
                    Some(&index) => access.push(RegionAccess {
                        component: index,
                        rights: *rights.get_ref(),
                    }),
                    None => self.error(
                        at(RegionField::AccessEntry(a)),
                        format!(
                            "region \"{name}\": access names component \"{}\", which does not \
                             exist",
                            component.get_ref()
                        ),
                    ),
                }
            }
        }

        RegionDecl {
            name: name.clone(),
            kind,
            size: src.size.get_ref().0,
            access,
        }
    }

    fn queue(&mut self, i: usize, spanned: &Spanned<QueueSrc>) -> Option<QueueWiring> {
        let at = |field| Locator::Queue(i, field);
        let src = spanned.get_ref();
        let name = src.name.get_ref();
        self.record(at(QueueField::Item), spanned);
        self.record(at(QueueField::Name), &src.name);
        self.record(at(QueueField::Depth), &src.depth);
        self.record(at(QueueField::MessageSize), &src.message_size);
        self.record(at(QueueField::From), &src.from);
        self.record(at(QueueField::To), &src.to);

        let message_size = src.message_size.get_ref().0;
        let message_size = u32::try_from(message_size).unwrap_or_else(|_| {
            self.error(
                at(QueueField::MessageSize),
                format!("queue \"{name}\": message_size {message_size} is far too large"),
            );
            0
        });
        let from = self.endpoint(at(QueueField::From), name, &src.from);
        let to = self.endpoint(at(QueueField::To), name, &src.to);
        Some(QueueWiring {
            name: name.clone(),
            depth: *src.depth.get_ref(),
            message_size,
            from: from?,
            to: to?,
        })
    }

    fn interrupt(&mut self, i: usize, spanned: &Spanned<InterruptSrc>) -> Option<InterruptDecl> {
        let at = |field| Locator::Interrupt(i, field);
        let src = spanned.get_ref();
        let name = src.name.get_ref();
        self.record(at(InterruptField::Item), spanned);
        self.record(at(InterruptField::Name), &src.name);
        self.record(at(InterruptField::Source), &src.source);
        self.record(at(InterruptField::Holder), &src.holder);

        let source_name = src.source.get_ref();
        let source = InterruptSource::from_name(source_name);
        if source.is_none() {
            let known: Vec<String> = InterruptSource::ALL
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect();
            self.error(
                at(InterruptField::Source),
                format!(
                    "interrupt \"{name}\": source \"{source_name}\" is unknown (known sources: \
                     {})",
                    known.join(", ")
                ),
            );
        }
        let holder_name = src.holder.get_ref();
        let holder = self.component_names.get(holder_name.as_str()).copied();
        if holder.is_none() {
            self.error(
                at(InterruptField::Holder),
                format!(
                    "interrupt \"{name}\": holder names component \"{holder_name}\", which does \
                     not exist"
                ),
            );
        }
        Some(InterruptDecl {
            name: name.clone(),
            source: source?,
            holder: holder?,
        })
    }

    /// Resolves `component.port`.
    fn endpoint(
        &mut self,
        locator: Locator,
        queue: &str,
        text: &Spanned<String>,
    ) -> Option<Endpoint> {
        let text = text.get_ref();
        let Some((component, port)) = text.split_once('.') else {
            self.error(
                locator,
                format!(
                    "queue \"{queue}\": endpoint \"{text}\" must be written \"component.port\""
                ),
            );
            return None;
        };
        let Some(&index) = self.component_names.get(component) else {
            self.error(
                locator,
                format!("queue \"{queue}\": endpoint component \"{component}\" does not exist"),
            );
            return None;
        };
        Some(Endpoint {
            component: index,
            port: port.to_string(),
        })
    }
}
