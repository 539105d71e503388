//! Callback URLs the sandbox can call: `http://host[:port]/path[?query]`.
//! The sandbox runs beside the developer's code, so it speaks plain HTTP;
//! an `https` URL is refused with a reason rather than called insecurely.

/// Why a callback URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not a URL.
    #[error("callback_url {0:?} is not an absolute URL")]
    NotAUrl(String),
    /// Not `http`.
    #[error(
        "callback_url {0:?}: the sandbox calls plain http:// URLs (it runs beside your server; no TLS)"
    )]
    Scheme(String),
}

/// A parsed callback URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackUrl {
    full: String,
    authority: String,
    path_and_query: String,
}

impl CallbackUrl {
    /// Parses and checks a URL.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let uri: hyper::Uri = url.parse().map_err(|_| UrlError::NotAUrl(url.to_owned()))?;
        let Some(scheme) = uri.scheme_str() else {
            return Err(UrlError::NotAUrl(url.to_owned()));
        };
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(UrlError::Scheme(url.to_owned()));
        }
        let Some(authority) = uri.authority() else {
            return Err(UrlError::NotAUrl(url.to_owned()));
        };
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return Err(UrlError::NotAUrl(url.to_owned()));
        }
        let path_and_query = uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        Ok(Self {
            full: url.to_owned(),
            authority: authority.as_str().to_owned(),
            path_and_query,
        })
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// `host:port`.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The path and query (`/` when empty).
    pub fn path_and_query(&self) -> &str {
        &self.path_and_query
    }

    /// The absolute URI of a request whose path is `path` on this origin.
    pub fn with_path(&self, path: &str) -> String {
        format!("http://{}{}", self.authority, path)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn http_urls_are_taken_apart_and_others_refused() {
        let u = CallbackUrl::parse("http://127.0.0.1:3000/hooks/wa?tenant=1").unwrap();
        assert_eq!(u.authority(), "127.0.0.1:3000");
        assert_eq!(u.path_and_query(), "/hooks/wa?tenant=1");
        assert_eq!(u.with_path("/x?y=1"), "http://127.0.0.1:3000/x?y=1");
        assert_eq!(
            CallbackUrl::parse("http://localhost")
                .unwrap()
                .path_and_query(),
            "/"
        );
        assert!(matches!(
            CallbackUrl::parse("https://example.com/w"),
            Err(UrlError::Scheme(_))
        ));
        for bad in [
            "",
            "/webhook",
            "not a url",
            "http://user:pw@host/",
            "ftp//x",
        ] {
            assert!(CallbackUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
