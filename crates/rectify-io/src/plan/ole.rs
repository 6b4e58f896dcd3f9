//! What calamine's compound-file (OLE) reader assumes of an .xls, checked before it reads one.
//!
//! calamine 0.38 follows sector chains through the file allocation table (FAT) without
//! looking for cycles, and builds that table from whatever sectors the header lists. A few
//! kilobytes crafted so (found by the `complaint` fuzz target) make it allocate without bound
//! or assert. This check rebuilds the table the way calamine does, within the file's own size,
//! and refuses a file whose table cannot be built that way or holds a cycle.

const MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// Sector numbers from here up are markers, not sectors.
const RESERVED: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;
/// The header's own list of FAT sectors: 109 numbers from byte 76.
const HEADER_DIFAT: std::ops::Range<usize> = 76..512;

/// `Ok` for anything that is not an OLE file, and for one calamine can read within its size
/// (or refuses by itself, with an error rather than a panic).
pub(crate) fn check(bytes: &[u8]) -> Result<(), String> {
    if !bytes.starts_with(MAGIC) || bytes.len() < HEADER_DIFAT.end {
        return Ok(());
    }
    if !bytes.len().is_multiple_of(4) {
        return Err(refused("文件不完整，可能在下载或复制时被截断"));
    }
    let size = match u16_at(bytes, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Ok(()),
    };
    let file = File { bytes, size };
    let fat = file.fat()?;
    if has_cycle(&fat) {
        return Err(refused("文件内部的扇区链首尾相接，文件已损坏"));
    }
    Ok(())
}

fn refused(why: &str) -> String {
    format!("不是可读取的 Excel 文件（{why}）")
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

struct File<'a> {
    bytes: &'a [u8],
    size: usize,
}

impl File<'_> {
    /// Sectors the file holds after its header.
    fn sectors(&self) -> usize {
        (self.bytes.len() / self.size).saturating_sub(1)
    }

    /// Sector `id` (the header takes the first sector's room), cut at the end of the file.
    fn sector(&self, id: u32) -> Option<&[u8]> {
        let start = (usize::try_from(id).ok()? + 1).checked_mul(self.size)?;
        let end = start.saturating_add(self.size).min(self.bytes.len());
        self.bytes.get(start..end)
    }

    /// The FAT as calamine builds it: the sectors the header lists, then those of the DIFAT
    /// chain, each read in full. More FAT sectors than the file has sectors is refused, since
    /// the table would then outgrow the file.
    fn fat(&self) -> Result<Vec<u32>, String> {
        let mut difat: Vec<u32> = u32s(&self.bytes[HEADER_DIFAT]).collect();
        let mut next = u32s(&self.bytes[68..72]).next().unwrap_or(RESERVED);
        let mut steps = 0;
        while next < RESERVED {
            steps += 1;
            let Some(sector) = self.sector(next).filter(|_| steps <= self.sectors() + 1) else {
                // calamine stops here with an error of its own.
                return Ok(Vec::new());
            };
            difat.extend(u32s(sector));
            next = difat.pop().unwrap_or(RESERVED);
        }
        let listed: Vec<u32> = difat.into_iter().filter(|id| *id < DIFSECT).collect();
        if listed.len() > self.sectors() + 1 {
            return Err(refused("文件的扇区分配表超出了文件本身的大小，文件已损坏"));
        }
        let mut fat = Vec::new();
        for id in listed {
            match self.sector(id) {
                Some(sector) => fat.extend(u32s(sector)),
                None => return Ok(Vec::new()),
            }
        }
        Ok(fat)
    }
}

/// Whether following the table from some sector comes back to a sector already passed.
fn has_cycle(fat: &[u32]) -> bool {
    // 0: not yet seen, 1: on the chain being followed, 2: leads to an end.
    let mut state = vec![0_u8; fat.len()];
    for start in 0..fat.len() {
        let mut path = Vec::new();
        let mut at = start;
        loop {
            match state[at] {
                1 => return true,
                2 => break,
                _ => {}
            }
            state[at] = 1;
            path.push(at);
            match usize::try_from(fat[at]).ok().filter(|n| *n < fat.len()) {
                Some(next) if fat[at] < RESERVED => at = next,
                _ => break,
            }
        }
        for at in path {
            state[at] = 2;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_back_to_itself_is_a_cycle_and_an_ending_one_is_not() {
        assert!(has_cycle(&[1, 2, 0]));
        assert!(has_cycle(&[0xFFFF_FFFE, 2, 1]));
        assert!(!has_cycle(&[1, 2, 0xFFFF_FFFE, 0xFFFF_FFFF, 2]));
        assert!(
            !has_cycle(&[7, 0xFFFF_FFFD]),
            "a number past the table ends it"
        );
    }

    #[test]
    fn other_files_pass_untouched() {
        assert_eq!(check(b"PK\x03\x04"), Ok(()));
        assert_eq!(check("序号,问题".as_bytes()), Ok(()));
    }
}
