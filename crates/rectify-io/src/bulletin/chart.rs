//! The bulletin's chart: one stacked bar per unit (已销号, 待销号, 蓝, 黄, 红), in ranking order,
//! as SVG for the html and as PNG for the docx. The PNG is drawn here (rectangles, and glyphs
//! rasterised from the system's CJK font); without such a font the docx goes without the chart
//! and says so.

use ab_glyph::{Font, FontVec, PxScale, ScaleFont, point};
use rectify_core::bulletin::RankLine;
use std::fmt::Write;
use std::path::Path;

/// The segments of a bar: label, colour (RGB) and the count it shows.
const SEGMENTS: [(&str, [u8; 3]); 5] = [
    ("已销号", [0x06, 0x76, 0x47]),
    ("待销号", [0x5f, 0xb4, 0x8a]),
    ("序时推进", [0x1f, 0x6f, 0xd1]),
    ("滞后", [0xe8, 0xb3, 0x0b]),
    ("严重滞后", [0xc8, 0x1e, 0x1e]),
];

fn counts(line: &RankLine) -> [u32; 5] {
    let t = &line.tally;
    [t.closed, t.awaiting_signoff, t.blue, t.yellow, t.red]
}

/// Geometry shared by both renderings, in pixels.
struct Layout {
    width: u32,
    label_width: u32,
    bar_height: u32,
    row: u32,
    top: u32,
    scale: f64,
}

impl Layout {
    fn of(lines: &[RankLine]) -> Layout {
        let most = lines
            .iter()
            .map(|l| l.tally.items)
            .max()
            .unwrap_or(1)
            .max(1);
        let (width, label_width) = (1200, 260);
        Layout {
            width,
            label_width,
            bar_height: 22,
            row: 32,
            top: 56,
            scale: f64::from(width - label_width - 60) / f64::from(most),
        }
    }

    fn height(&self, rows: usize) -> u32 {
        self.top + self.row * rows as u32 + 16
    }

    /// (x, width) of each segment of a bar.
    fn segments(&self, line: &RankLine) -> Vec<(u32, u32)> {
        let mut x = f64::from(self.label_width);
        counts(line)
            .iter()
            .map(|&n| {
                let w = f64::from(n) * self.scale;
                let at = (x.round() as u32, w.round() as u32);
                x += w;
                at
            })
            .collect()
    }
}

pub fn chart_svg(lines: &[RankLine]) -> String {
    let layout = Layout::of(lines);
    let height = layout.height(lines.len());
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {height}\" width=\"100%\" role=\"img\" \
         aria-label=\"各单位问题完成情况\" font-family=\"sans-serif\" font-size=\"16\">",
        layout.width
    );
    for (i, (label, rgb)) in SEGMENTS.iter().enumerate() {
        let x = layout.label_width + i as u32 * 130;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"14\" width=\"16\" height=\"16\" fill=\"{}\"/><text x=\"{}\" y=\"28\">{label}</text>",
            hex(*rgb),
            x + 22
        );
    }
    for (row, line) in lines.iter().enumerate() {
        let y = layout.top + layout.row * row as u32;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            layout.label_width - 8,
            y + 17,
            crate::escape_html(&line.tally.unit)
        );
        for ((x, w), (_, rgb)) in layout.segments(line).into_iter().zip(SEGMENTS) {
            if w > 0 {
                let _ = write!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{}\"/>",
                    layout.bar_height,
                    hex(rgb)
                );
            }
        }
        let end = layout
            .segments(line)
            .last()
            .map_or(layout.label_width, |(x, w)| x + w);
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            end + 6,
            y + 17,
            line.tally.items
        );
    }
    svg.push_str("</svg>");
    svg
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Where Debian and similar systems keep a CJK font, tried after the configured one
/// (`RECTIFY_CJK_FONT`, passed in as `Issue::cjk_font`).
const FONT_CANDIDATES: [&str; 5] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

fn cjk_font(chosen: Option<&Path>) -> Option<FontVec> {
    chosen
        .into_iter()
        .chain(FONT_CANDIDATES.iter().map(Path::new))
        .filter_map(|path| std::fs::read(path).ok())
        .find_map(|bytes| {
            let font = FontVec::try_from_vec_and_index(bytes, 0).ok()?;
            // A font without the characters would draw boxes.
            (font.glyph_id('单').0 != 0).then_some(font)
        })
}

/// An RGB canvas.
struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![0xff; (width * height * 3) as usize],
        }
    }

    fn blend(&mut self, x: u32, y: u32, rgb: [u8; 3], alpha: f32) {
        if x >= self.width || y >= self.height {
            return;
        }
        let at = ((y * self.width + x) * 3) as usize;
        for (channel, value) in rgb.iter().enumerate() {
            let old = f32::from(self.pixels[at + channel]);
            self.pixels[at + channel] =
                (old + (f32::from(*value) - old) * alpha.clamp(0.0, 1.0)) as u8;
        }
    }

    fn rect(&mut self, x: u32, y: u32, w: u32, h: u32, rgb: [u8; 3]) {
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                self.blend(xx, yy, rgb, 1.0);
            }
        }
    }

    /// Text with its baseline at `y`, starting at `x` (or ending there when `right` is set).
    fn text(&mut self, font: &FontVec, text: &str, x: u32, y: u32, right: bool) {
        let scaled = font.as_scaled(PxScale::from(18.0));
        let advance: f32 = text
            .chars()
            .map(|c| scaled.h_advance(font.glyph_id(c)))
            .sum();
        let mut pen = if right { x as f32 - advance } else { x as f32 };
        for c in text.chars() {
            let glyph = font
                .glyph_id(c)
                .with_scale_and_position(18.0, point(pen, y as f32));
            pen += scaled.h_advance(glyph.id);
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let px = bounds.min.x as i64 + i64::from(gx);
                    let py = bounds.min.y as i64 + i64::from(gy);
                    if px >= 0 && py >= 0 {
                        self.blend(px as u32, py as u32, [0x1f, 0x29, 0x33], coverage);
                    }
                });
            }
        }
    }

    fn png(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&self.pixels).ok()?;
        writer.finish().ok()?;
        Some(out)
    }
}

/// The chart as PNG with its size in pixels, or `None` when no CJK font is installed.
pub fn chart_png(lines: &[RankLine], font: Option<&Path>) -> Option<(Vec<u8>, u32, u32)> {
    let font = cjk_font(font)?;
    let layout = Layout::of(lines);
    let mut canvas = Canvas::new(layout.width, layout.height(lines.len()));
    for (i, (label, rgb)) in SEGMENTS.iter().enumerate() {
        let x = layout.label_width + i as u32 * 130;
        canvas.rect(x, 14, 16, 16, *rgb);
        canvas.text(&font, label, x + 22, 28, false);
    }
    for (row, line) in lines.iter().enumerate() {
        let y = layout.top + layout.row * row as u32;
        canvas.text(
            &font,
            &line.tally.unit,
            layout.label_width - 8,
            y + 17,
            true,
        );
        let segments = layout.segments(line);
        for ((x, w), (_, rgb)) in segments.iter().zip(SEGMENTS) {
            canvas.rect(*x, y, *w, layout.bar_height, rgb);
        }
        let end = segments.last().map_or(layout.label_width, |(x, w)| x + w);
        canvas.text(&font, &line.tally.items.to_string(), end + 6, y + 17, false);
    }
    let png = canvas.png()?;
    Some((png, canvas.width, canvas.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(unit: &str, closed: u32, blue: u32, red: u32) -> RankLine {
        RankLine {
            tally: rectify_core::dispatch::UnitTally {
                unit: unit.into(),
                items: closed + blue + red,
                closed,
                blue,
                red,
                overdue: red,
                ..Default::default()
            },
            completion_rate: String::new(),
            on_time_rate: String::new(),
            score: String::new(),
            rank: 1,
            place: String::new(),
            change: String::new(),
        }
    }

    #[test]
    fn bars_are_proportional_and_names_escaped() {
        let lines = [line("市<住建>局", 2, 1, 1), line("市林业局", 0, 0, 2)];
        let layout = Layout::of(&lines);
        let first = layout.segments(&lines[0]);
        let second = layout.segments(&lines[1]);
        // The longest bar (4 items) spans the plot; two items are half of it whatever they are.
        let full = layout.width - layout.label_width - 60;
        assert_eq!(first.iter().map(|(_, w)| w).sum::<u32>(), full);
        assert_eq!((first[0].1, second[4].1), (full / 2, full / 2));
        assert_eq!(
            first[0].0, layout.label_width,
            "bars start after the labels"
        );
        let svg = chart_svg(&lines);
        assert!(svg.contains("市&lt;住建&gt;局") && !svg.contains("市<住建>局"));
        assert_eq!(
            svg.matches("<rect").count(),
            5 + 3 + 1,
            "legend, then non-empty segments"
        );
    }
}
