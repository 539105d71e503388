//! `cipherflow serve --workshop`: the room's way in. The server binds this
//! machine's address on the local network, and the phones join at
//! `http://ADDRESS:PORT/?phone`, typed or scanned from the QR code the
//! terminal prints and the projector shows.
//!
//! Plain HTTP is enough on a LAN: the phone page's cryptography needs only
//! `crypto.getRandomValues`, which browsers give insecure contexts too.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use qrcode::QrCode;
use qrcode::render::{svg, unicode};

/// This machine's address on its local network: the source address the
/// system would route a packet from to a private (or, failing that, a
/// public) address. A UDP `connect` sends nothing; it only picks a route.
pub fn lan_address() -> Option<IpAddr> {
    const PROBES: [Ipv4Addr; 4] = [
        Ipv4Addr::new(192, 168, 255, 255),
        Ipv4Addr::new(10, 255, 255, 255),
        Ipv4Addr::new(172, 31, 255, 255),
        Ipv4Addr::new(192, 0, 2, 1),
    ];
    PROBES.iter().find_map(|probe| {
        let socket = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
        socket.connect((*probe, 9)).ok()?;
        let ip = socket.local_addr().ok()?.ip();
        (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
    })
}

/// The phones' join URL for a server listening on `bound` (when it listens
/// on every address, the LAN address stands in; `None` if there is none).
pub fn join_url(bound: SocketAddr) -> Option<String> {
    let ip = if bound.ip().is_unspecified() {
        lan_address()?
    } else {
        bound.ip()
    };
    Some(format!(
        "http://{}/?phone",
        SocketAddr::new(ip, bound.port())
    ))
}

/// `url` as a QR code drawn with half-block characters, two rows of
/// modules per line, light on dark terminals and dark on light ones alike
/// (the quiet zone is drawn too).
pub fn qr_text(url: &str) -> Result<String, String> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| e.to_string())?;
    Ok(code
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

/// `url` as a QR code in SVG, black on white, for the projector.
pub fn qr_svg(url: &str) -> Result<String, String> {
    let code = QrCode::new(url.as_bytes()).map_err(|e| e.to_string())?;
    Ok(code
        .render::<svg::Color>()
        .min_dimensions(264, 264)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_join_url_names_the_bound_address_and_the_phone_page() {
        let bound: SocketAddr = "192.168.1.20:8080".parse().unwrap();
        assert_eq!(
            join_url(bound).as_deref(),
            Some("http://192.168.1.20:8080/?phone")
        );
        let v6: SocketAddr = "[fd00::5]:9000".parse().unwrap();
        assert_eq!(
            join_url(v6).as_deref(),
            Some("http://[fd00::5]:9000/?phone")
        );
    }

    #[test]
    fn the_qr_code_is_drawn_for_terminals_and_projectors() {
        let url = "http://192.168.1.20:8080/?phone";
        let text = qr_text(url).unwrap();
        // Version 3 (29 modules) plus a 4-module quiet zone each side: 37
        // columns, and 37 rows drawn two per line.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 19, "{text}");
        assert!(lines.iter().all(|l| l.chars().count() == 37), "{text}");
        let svg = qr_svg(url).unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("#000000"));
        // Too long for any QR code: an error, not a panic.
        assert!(qr_text(&"x".repeat(8_000)).is_err());
    }
}
