// Which paths a file recording may open (issue 16, S3 and S7): regular files under
// audio.file_dirs after every symlink is followed; nothing else, and one refusal for all.
#include "sources/file_allowlist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace vs {
namespace {

namespace fs = std::filesystem;

class FileAllowlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vs-allow-XXXXXX";
    root_ = fs::path(::mkdtemp(tmpl));
    fs::create_directories(root_ / "allowed" / "sub");
    fs::create_directories(root_ / "outside");
    touch(root_ / "allowed" / "talk.wav");
    touch(root_ / "allowed" / "sub" / "deep.wav");
    touch(root_ / "outside" / "secret.wav");
  }
  void TearDown() override { fs::remove_all(root_); }

  static void touch(const fs::path& p) { std::ofstream(p) << "RIFF"; }
  std::string at(const std::string& rel) const { return (root_ / rel).string(); }
  FileAllowlist allow() const { return FileAllowlist({at("allowed")}); }

  fs::path root_;
};

TEST_F(FileAllowlistTest, RegularFilesUnderADirectoryAreAllowed) {
  EXPECT_EQ(allow().resolve(at("allowed/talk.wav")), at("allowed/talk.wav"));
  EXPECT_EQ(allow().resolve(at("allowed/sub/deep.wav")), at("allowed/sub/deep.wav"));
}

TEST_F(FileAllowlistTest, NothingIsAllowedWithoutDirectories) {
  const FileAllowlist none({});
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.resolve(at("allowed/talk.wav")));
  EXPECT_NE(none.refusal("/x.wav").find("audio.file_dirs"), std::string::npos);
}

TEST_F(FileAllowlistTest, PathsOutsideAreRefusedHoweverSpelled) {
  EXPECT_FALSE(allow().resolve(at("outside/secret.wav")));
  EXPECT_FALSE(allow().resolve(at("allowed/../outside/secret.wav")));
  fs::create_symlink(root_ / "outside" / "secret.wav", root_ / "allowed" / "link.wav");
  EXPECT_FALSE(allow().resolve(at("allowed/link.wav")));
  // A directory whose name merely starts like an allowed one.
  fs::create_directories(root_ / "allowed-not");
  touch(root_ / "allowed-not" / "x.wav");
  EXPECT_FALSE(allow().resolve(at("allowed-not/x.wav")));
}

TEST_F(FileAllowlistTest, ASymlinkIntoTheDirectoryIsFollowed) {
  fs::create_symlink(root_ / "allowed" / "talk.wav", root_ / "outside" / "in.wav");
  EXPECT_EQ(allow().resolve(at("outside/in.wav")), at("allowed/talk.wav"));
  // The directory itself given through a symlink is made canonical too.
  fs::create_directory_symlink(root_ / "allowed", root_ / "alias");
  EXPECT_EQ(FileAllowlist({at("alias")}).resolve(at("allowed/talk.wav")), at("allowed/talk.wav"));
}

TEST_F(FileAllowlistTest, OnlyRegularFilesByAbsolutePath) {
  ASSERT_EQ(::mkfifo(at("allowed/fifo").c_str(), 0600), 0);
  EXPECT_FALSE(allow().resolve(at("allowed/fifo")));  // and resolving it did not wait for a writer
  EXPECT_FALSE(allow().resolve(at("allowed/sub")));
  EXPECT_FALSE(allow().resolve("-"));
  EXPECT_FALSE(allow().resolve("allowed/talk.wav"));
  EXPECT_FALSE(allow().resolve(""));
  EXPECT_FALSE(allow().resolve(at("allowed/missing.wav")));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  EXPECT_FALSE(FileAllowlist({"/proc"}).resolve("/proc/self/fd/" + std::to_string(fds[0])));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_F(FileAllowlistTest, OneRefusalForMissingAndForbidden) {
  const FileAllowlist a = allow();
  auto without_path = [](std::string text, const std::string& path) {
    return text.replace(text.find(path), path.size(), "PATH");
  };
  EXPECT_EQ(without_path(a.refusal(at("allowed/missing.wav")), at("allowed/missing.wav")),
            without_path(a.refusal(at("outside/secret.wav")), at("outside/secret.wav")));
}

}  // namespace
}  // namespace vs
