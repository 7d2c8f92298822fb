//! The component host's image, embedded in the kernel: parsed once (`ruvix-user-image`), its
//! code and read-only data mapped in place (pages of the kernel image) into every process, its
//! writable segment a template each process copies.

use alloc::vec::Vec;

use ruvix_process_abi::layout;
use ruvix_user_image::{Segment, SegmentKind, UserImage};

use super::StartError;
use super::memory::UserPages;

/// Page alignment for the embedded ELF: its code and read-only segments start on pages of
/// the file (`linker/component-host.ld`), so they are pages of the kernel image too, which
/// processes map in place.
#[repr(C, align(4096))]
struct PageAligned<T: ?Sized>(T);

static EMBEDDED_PAGES: &PageAligned<[u8]> =
    &PageAligned(*include_bytes!(env!("RUVIX_EMBEDDED_COMPONENT_HOST")));
/// The ELF `just build` built (`RUVIX_COMPONENT_HOST`).
static EMBEDDED: &[u8] = &EMBEDDED_PAGES.0;

pub struct HostImage {
    image: UserImage<'static>,
    /// Per segment: the shared pages of a code or read-only one (`None` for read-write).
    shared: Vec<Option<UserPages>>,
}

impl HostImage {
    /// The embedded component host, checked and laid out.
    pub fn embedded() -> Result<HostImage, StartError> {
        if EMBEDDED.is_empty() {
            return Err(StartError::NoHost);
        }
        let window = layout::HOST_BASE..layout::HOST_BASE + layout::HOST_MAX;
        let image = UserImage::parse(EMBEDDED, window).map_err(StartError::Image)?;
        let mut shared = Vec::new();
        for segment in image.segments().iter() {
            shared.push(match segment.kind() {
                SegmentKind::Code | SegmentKind::ReadOnly => {
                    // In place when the segment is whole pages of the file (the kernel image
                    // is identity-mapped: its addresses are physical ones); else a copy.
                    let whole = segment.data_offset() == 0
                        && segment.file_bytes().len() as u64 == segment.mem_size();
                    if let Some(pages) = whole
                        .then(|| UserPages::in_place(segment.file_bytes()))
                        .flatten()
                    {
                        shared.push(Some(pages));
                        continue;
                    }
                    let mut pages =
                        UserPages::zeroed(segment.mem_size()).ok_or(StartError::Memory {
                            component: alloc::string::String::from("component host"),
                            what: "image",
                        })?;
                    pages.write(segment.data_offset(), segment.file_bytes());
                    Some(pages)
                }
                SegmentKind::ReadWrite => None,
            });
        }
        Ok(HostImage { image, shared })
    }

    pub fn entry(&self) -> u64 {
        self.image.entry()
    }

    pub fn segments(&self) -> impl Iterator<Item = &Segment<'static>> + '_ {
        self.image.segments().iter()
    }

    /// The shared pages of segment `index` (code or read-only data).
    pub fn shared_pages(&self, index: usize) -> Option<&UserPages> {
        self.shared.get(index)?.as_ref()
    }

    /// Bytes of code and read-only data (shared by every process).
    pub fn shared_bytes(&self) -> u64 {
        self.shared.iter().flatten().map(UserPages::len).sum()
    }

    /// Bytes of those the kernel heap holds (copies; none when mapped in place).
    pub fn shared_heap_bytes(&self) -> u64 {
        self.shared
            .iter()
            .flatten()
            .filter(|pages| pages.is_heap())
            .map(UserPages::len)
            .sum()
    }

    /// Bytes of writable data and bss (each process has its own).
    pub fn private_bytes(&self) -> u64 {
        self.segments()
            .filter(|s| s.kind() == SegmentKind::ReadWrite)
            .map(|s| s.mem_size())
            .sum()
    }

    /// The ELF's size.
    pub fn elf_bytes(&self) -> usize {
        EMBEDDED.len()
    }
}
