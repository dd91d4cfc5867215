//! Files in the widget: the ones about to be sent (picked with "Attach a file", dropped on the
//! panel or pasted into the message box; previewed above it, each removable; refused at once when
//! the bridge would refuse them), and the ones a message carries (a thumbnail for a picture, a
//! link with name and size for a PDF).

use std::rc::Rc;

use baton_protocol::Attachment;
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement};
use yew::prelude::*;

use crate::attachment::{acceptable, size_label, ACCEPT};
use crate::i18n::Texts;

/// A file the visitor picked, and how it shows until the bridge has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picked {
    /// The file itself.
    pub file: File,
    /// Its preview: `url` is a `blob:` address of this page.
    pub preview: Attachment,
}

/// A message with files, as the visitor sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// What they typed, trimmed; may be empty.
    pub text: String,
    /// The files.
    pub files: Vec<Picked>,
}

/// The files about to be sent, and whether the last ones offered were refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Picking(UseStateHandle<Rc<(Vec<Picked>, bool)>>);

impl Picking {
    /// The files picked so far.
    pub fn files(&self) -> &[Picked] {
        &self.0 .0
    }

    /// Whether the last files offered were refused.
    pub fn refused(&self) -> bool {
        self.0 .1
    }

    /// Adds what the browser handed over; refuses (and says so) what the bridge would refuse.
    pub fn add(&self, list: Option<FileList>) {
        let Some(list) = list else { return };
        let mut picked = self.0 .0.clone();
        let mut refused = false;
        for file in (0..list.length()).filter_map(|index| list.get(index)) {
            if !acceptable(&file.type_(), file.size(), picked.len()) {
                refused = true;
                continue;
            }
            let Ok(url) = web_sys::Url::create_object_url_with_blob(&file) else { continue };
            let preview =
                Attachment { name: file.name(), content_type: file.type_(), size: file.size() as u64, url };
            picked.push(Picked { file, preview });
        }
        self.0.set(Rc::new((picked, refused)));
    }

    /// Drops the file at `index`.
    pub fn remove(&self, index: usize) {
        let mut picked = self.0 .0.clone();
        if index < picked.len() {
            let gone = picked.remove(index);
            let _ = web_sys::Url::revoke_object_url(&gone.preview.url);
            self.0.set(Rc::new((picked, false)));
        }
    }

    /// Hands the files over to be sent, leaving none picked.
    pub fn take(&self) -> Vec<Picked> {
        let files = self.0 .0.clone();
        self.0.set(Rc::default());
        files
    }
}

/// The panel's files about to be sent.
#[hook]
pub fn use_picking() -> Picking {
    Picking(use_state(Rc::default))
}

/// The "Attach a file" button (with the hidden picker it opens, `input`), and what is about to
/// be sent. A function, not a component: one less component for every visitor to download.
pub fn picked_view(picking: &Picking, texts: &Texts, input: &NodeRef) -> Html {
    let onclick = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                input.click();
            }
        })
    };
    let onchange = {
        let picking = picking.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            picking.add(input.files());
            // The same file can be picked again after it was removed.
            input.set_value("");
        })
    };
    let files = picking.files();
    let list = files.iter().enumerate().map(|(index, picked)| {
        let picking = picking.clone();
        let onclick = Callback::from(move |_: MouseEvent| picking.remove(index));
        let label = format!("{} {}", texts.remove_file, picked.preview.name);
        html! {
            <li class="baton-picked">
                { file_view(&picked.preview) }
                <button type="button" class="baton-unpick" aria-label={label} {onclick}>{ "×" }</button>
            </li>
        }
    });
    html! {
        <>
            if picking.refused() {
                <p class="baton-file-refused" role="alert">{ texts.file_refused }</p>
            }
            if !files.is_empty() {
                <ul class="baton-files baton-picking">{ for list }</ul>
            }
            <button type="button" class="baton-attach" aria-label={texts.attach_file} title={texts.attach_file} {onclick}>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.7l-8.3 8.3a6 6 0 0 0 8.5 8.5L21 13.3" /></svg>
            </button>
            <input type="file" class="baton-file-input" multiple=true accept={ACCEPT} tabindex="-1" aria-hidden="true" ref={input.clone()} {onchange} />
        </>
    }
}

/// The files of `event`'s clipboard or drop, if it carries any.
pub fn dropped_files(event: &Event) -> Option<FileList> {
    let files = if let Some(drop) = event.dyn_ref::<DragEvent>() {
        drop.data_transfer().and_then(|data| data.files())
    } else {
        event
            .dyn_ref::<web_sys::ClipboardEvent>()
            .and_then(|paste| paste.clipboard_data())
            .and_then(|data| data.files())
    };
    files.filter(|files| files.length() > 0)
}

/// A message's files.
pub fn attachments_view(files: &[Attachment]) -> Html {
    if files.is_empty() {
        return html! {};
    }
    html! { <ul class="baton-files">{ for files.iter().map(|file| html! { <li>{ file_view(file) }</li> }) }</ul> }
}

/// One file: a picture as a thumbnail that opens it, anything else as a link with its name and
/// size. Only web and this page's `blob:` addresses are shown.
fn file_view(file: &Attachment) -> Html {
    let url = &file.url;
    if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with("blob:")) {
        return html! { <span class="baton-file">{ file.name.clone() }</span> };
    }
    let href = url.clone();
    if file.is_image() {
        html! {
            <a class="baton-thumb" {href} target="_blank" rel="noopener noreferrer">
                <img src={url.clone()} alt={file.name.clone()} referrerpolicy="no-referrer" />
            </a>
        }
    } else {
        html! {
            <a class="baton-file" {href} target="_blank" rel="noopener noreferrer">
                { file.name.clone() }<span class="baton-size">{ size_label(file.size) }</span>
            </a>
        }
    }
}
