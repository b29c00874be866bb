# Sourced by the scripts that build and run the image (scripts/test-image, scripts/test-compose).
# Podman stands in for Docker here, and local images stand in for the two registry images the
# Dockerfile starts from: no image registry is reachable from these machines. Everything is made
# once and kept (the debootstrap roots under /var/cache/cckm-mock, the images in podman's store),
# and made again only when what it is made from changes.

# The repository's root (this file is scripts/lib/podman.bash).
podman_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# podman, runc, CNI's dnsname plugin and podman-compose from Debian; CONTAINERS_CONF for every
# podman this shell starts.
podman_setup() {
    "$podman_repo/scripts/install-deps" podman runc golang-github-containernetworking-plugin-dnsname podman-compose debootstrap >&2
    export CONTAINERS_CONF="$podman_repo/scripts/lib/containers.conf"
}

# What the stand-ins are made from. The Swift stand-in carries what the official swift:*-bookworm
# image installs for the toolchain; the toolchain itself is this machine's, mounted at build time.
standin_cache=${CCKM_MOCK_STANDIN_CACHE:-/var/cache/cckm-mock}
swift_image_packages="binutils ca-certificates git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev
    libncurses-dev libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata unzip zlib1g-dev"
client_image_packages="ca-certificates curl"

# The Debian mirror apt already uses here, so that debootstrap reaches what apt reaches.
debian_mirror() {
    local mirror
    mirror=$(awk '/^URIs:/ && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    echo "${mirror:-http://deb.debian.org/debian}"
}

# standin_image NAME PACKAGES [--change ...]: a minbase bookworm root with PACKAGES imported as
# localhost/cckm-mock-standin/NAME, unless an image of that name was made from the same recipe.
standin_image() {
    local name=$1 packages=$2
    shift 2
    local tag="localhost/cckm-mock-standin/$name"
    local recipe
    recipe=$(printf '%s\n' "bookworm minbase" $packages "$@" | sha256sum | cut -c1-16)
    if [ "$(podman image inspect --format '{{index .Config.Labels "recipe"}}' "$tag" 2>/dev/null || true)" = "$recipe" ]; then
        echo "$tag"
        return 0
    fi
    local root="$standin_cache/standin-$name" log
    log=$(mktemp)
    echo "podman: making the stand-in $tag from a debootstrap root (kept for later runs; a few minutes)" >&2
    rm -rf "$root"
    mkdir -p "$standin_cache"
    local include=""
    [ -n "$packages" ] && include="--include=$(echo $packages | tr ' ' ',')"
    # shellcheck disable=SC2086
    if ! debootstrap --variant=minbase $include bookworm "$root" "$(debian_mirror)" >"$log" 2>&1; then
        tail -20 "$log" >&2
        rm -f "$log"
        return 1
    fi
    chroot "$root" apt-get clean
    rm -rf "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | podman import --change "LABEL recipe=$recipe" "$@" - "$tag" >/dev/null
    rm -rf "$root" "$log"
    echo "$tag"
}

# Sets DEBIAN_IMAGE, SWIFT_IMAGE and CLIENT_IMAGE to the local stand-ins, and build_options to what
# a build of the Dockerfile needs here besides them: the toolchain mounted at its own path, the
# package copies git reads github.com from with the system git config that says so.
standin_images() {
    local swift_bin toolchain gitconfig packages_dir
    swift_bin=$(readlink -f "$(command -v swift)")
    toolchain=$(dirname "$(dirname "$(dirname "$swift_bin")")")
    DEBIAN_IMAGE=$(standin_image debian:12 "")
    SWIFT_IMAGE=$(standin_image "swift:$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -1)-bookworm" \
        "$swift_image_packages" --change "ENV PATH=$toolchain/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    CLIENT_IMAGE=$(standin_image curl "$client_image_packages")
    build_options=(--volume "$toolchain:$toolchain:ro")
    gitconfig=$(git config --system --list --show-origin 2>/dev/null | sed -n 's/^file:\([^[:space:]]*\).*/\1/p' | head -1)
    if [ -n "$gitconfig" ]; then
        build_options+=(--volume "$gitconfig:$gitconfig:ro")
        packages_dir=$(git config --system --get-regexp 'url\..*\.insteadof' | head -1 | sed 's/^url\.\(.*\)\.insteadof .*/\1/')
        [ -n "$packages_dir" ] && [ -d "$packages_dir" ] && build_options+=(--volume "${packages_dir%/}:${packages_dir%/}:ro")
    fi
    export DEBIAN_IMAGE SWIFT_IMAGE CLIENT_IMAGE
}
